"""Content cannot run: a hostile issue renders, and no output carries anything that executes."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from newsletter.stamp import STATE_DIR

from .conftest import ROOT, checked, copy_sample, run
from .test_feeds import check_json_text, check_text

HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "008-hostile.md"
SLUG = "008-hostile"

# Elements that run code or send data somewhere when a reader opens or touches them.
FORBIDDEN_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "base",
    "svg",
    "math",
}
# What browsers drop from a URL before reading its scheme: 'java\tscript:' is javascript:.
IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")
FORBIDDEN_SCHEMES = ("javascript:", "vbscript:", "data:")
# The title as every reader sees it: quotes, '&', '<' and '>' are text; its line break folded.
TITLE = "Hostile \"quotes\" & 'apostrophes' < > {{ 7*7 }} Bcc: victim@example.org"
# Every literal template snippet of the fixture, which must reach the reader as written.
TEMPLATE_TEXT = [
    "Literal {{ 7*7 }} and {% for x in range(3) %}loop{% endfor %} in the note.",
    '{{ settings }}, {{ issue.title }}, {% include "email.html" %}',
    "{# a comment #} and {{ '{{' }}.",
    "{{ 7*7 }} and <b>not bold</b> in a key point's title",
    "The end {{ 7*7 }}.",
]


def dangers_in_html(document: str) -> list[str]:
    """Every element, event handler or URL in an HTML document or fragment that could run."""
    found: list[str] = []
    if not document.strip():
        return found
    tree = lxml.html.fromstring(f"<div>{document}</div>" if "<html" not in document else document)
    for element in tree.iter():
        if not isinstance(element.tag, str):  # comments, among them Outlook's conditional ones
            continue
        tag = element.tag.rpartition("}")[2].lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{tag} {name}={value!r}")
            url = IGNORED_IN_URLS.sub("", value).lower()
            if url.startswith(FORBIDDEN_SCHEMES) or ("javascript:" in url and name == "style"):
                found.append(f"{tag} {name}={value!r}")
    return found


def without_our_scripts(document: str) -> str:
    """A web page without the two scripts the layouts give every page: its JSON-LD (data, which
    must parse as JSON and hold no '<' that could end its element) and the search box's module
    (a file of the site, with nothing inline). Any other script stays, to be found."""
    tree = lxml.html.fromstring(document)
    for script in tree.iter("script"):
        kind, source, text = script.get("type"), script.get("src") or "", script.text or ""
        if kind == "application/ld+json" and set(script.attrib) == {"type"}:
            assert "<" not in text
            json.loads(text)
        elif (
            kind == "module"
            and set(script.attrib) == {"type", "src"}
            and re.fullmatch(r"(\.\./)*search\.js", source)
            and not text.strip()
        ):
            pass
        else:
            continue
        script.drop_tree()
    return lxml.html.tostring(tree, encoding="unicode")


def html_in_xml_feed(raw: bytes) -> Iterator[str]:
    """The HTML an RSS or Atom feed hands a reader: every element a reader renders as HTML."""
    root = lxml.etree.fromstring(raw)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = lxml.etree.QName(element).localname
        rss_html = name in ("description", "encoded") and element.getparent().tag == "item"
        if rss_html or element.get("type") == "html":
            yield element.text or ""
        elif element.get("type") == "xhtml":
            yield lxml.etree.tostring(element, encoding="unicode")


def feed_dangers(raw: bytes) -> list[str]:
    """What could run in an XML feed: elements of its own, URLs, and the HTML it carries."""
    found = []
    for element in lxml.etree.fromstring(raw).iter():
        if isinstance(element.tag, str):
            if lxml.etree.QName(element).localname.lower() in FORBIDDEN_ELEMENTS:
                found.append(element.tag)
            for name, value in element.attrib.items():
                if IGNORED_IN_URLS.sub("", value).lower().startswith(FORBIDDEN_SCHEMES):
                    found.append(f"{element.tag} {name}={value!r}")
    for fragment in html_in_xml_feed(raw):
        found.extend(dangers_in_html(fragment))
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with the hostile issue added, rendered; returns its out/ folder."""
    project = copy_sample(tmp_path_factory.mktemp("hostile") / "project")
    shutil.copy(HOSTILE, project / "issues" / HOSTILE.name)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return project / "out"


def outputs(out: Path) -> list[Path]:
    """Every file of the output tree (not the build's own state beside it)."""
    files = sorted(
        p for p in out.rglob("*") if p.is_file() and STATE_DIR not in p.relative_to(out).parts
    )
    assert len(files) >= 15
    return files


def test_the_hostile_issue_passes_validation(tmp_path: Path) -> None:
    project = copy_sample(tmp_path / "project")
    shutil.copy(HOSTILE, project / "issues" / HOSTILE.name)
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stderr) == (0, "")


def test_no_output_file_has_anything_that_runs(hostile: Path) -> None:
    found: dict[str, list[str]] = {}
    for path in outputs(hostile):
        raw = path.read_bytes()
        name = path.relative_to(hostile).as_posix()
        if name == "search.js" or name.startswith("pagefind/"):
            continue  # the search box and Pagefind's index: see test_browser.py for the hostile
            # issue in search results
        if path.suffix == ".html":
            dangers = dangers_in_html(without_our_scripts(raw.decode("utf-8")))
        elif path.suffix == ".xml":
            dangers = feed_dangers(raw)
        elif path.suffix == ".json":  # a JSON Feed: its content_html is HTML
            items = json.loads(raw).get("items", [])
            dangers = [d for item in items for d in dangers_in_html(item.get("content_html", ""))]
        elif path.suffix == ".eml":
            message = email.message_from_bytes(raw, policy=email.policy.default)
            html_part = message.get_body(("html",))
            assert html_part is not None
            dangers = dangers_in_html(html_part.get_content())
        else:
            assert path.suffix == ".txt", path
            links = re.findall(r"^\[\d+\] (.*)$", raw.decode("utf-8"), re.M)
            dangers = [url for url in links if url.lower().startswith(FORBIDDEN_SCHEMES)]
        if dangers:
            found[path.relative_to(hostile).as_posix()] = dangers
    assert found == {}


def test_only_our_own_scripts_are_let_through() -> None:
    ours = (
        '<html><head><script type="application/ld+json">{"a": "\\u003c/script\\u003e"}</script>'
        '<script type="module" src="../search.js"></script></head><body></body></html>'
    )
    assert dangers_in_html(ours) == ["<script>", "<script>"]
    assert dangers_in_html(without_our_scripts(ours)) == []
    for theirs in [
        '<script type="module" src="https://evil.example/search.js"></script>',
        '<script type="module" src="search.js">alert(1)</script>',
        '<script type="application/ld+json" onload="x()">{}</script>',
        "<script>alert(1)</script>",
    ]:
        assert "<script>" in dangers_in_html(
            without_our_scripts(f"<html><head>{theirs}</head></html>")
        )


def test_the_scanner_finds_what_it_looks_for() -> None:
    document = (
        '<p onclick="x()">a</p><a href=" java\tscript:alert(1)">b</a><img src="DATA:image/png,">'
        "<iframe></iframe><form></form><svg><script>1</script></svg>"
    )
    assert dangers_in_html(document) == [
        "p onclick='x()'",
        "a href=' java\\tscript:alert(1)'",
        "img src='DATA:image/png,'",
        "<iframe>",
        "<form>",
        "<svg>",
        "<script>",
    ]
    feed = (
        b'<rss xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        b"<description>&lt;b onmouseover=x&gt;</description>"
        b"<content:encoded><![CDATA[<script>1</script>]]></content:encoded>"
        b"</item></channel></rss>"
    )
    assert feed_dangers(feed) == ["b onmouseover='x'", "<script>"]


def test_every_hostile_string_reaches_the_reader_as_text(hostile: Path) -> None:
    page = lxml.html.fromstring((hostile / SLUG / "index.html").read_bytes())
    text = page.text_content()
    for snippet in [
        TITLE,
        "Trade < Security & Growth > javascript:alert('deck') {% if true %}deck{% endif %}",
        "The article javascript:alert('article') \" onmouseover=\"alert('article')",
        "{% include 'email.html' %} & co {{ settings.sender }}",
        'O\'Brien "<" & Sons {{ 7*7 }} < 赵隆 >',
        "[click](javascript:alert('link'))",
        "![pixel](data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==)",
        "<javascript:alert('autolink')>",
        "[evil]: javascript:alert('reference')",
        "<script>alert('escaped')</script>",
        "<script>alert('fenced')</script>",
    ]:
        assert snippet in text


def visible_text(document: str) -> str:
    """The text a reader sees in an HTML document, whitespace collapsed."""
    return " ".join(lxml.html.fromstring(document).text_content().split())


@pytest.mark.parametrize("name", ["email.html", "index.html", "email.txt", "email.eml"])
def test_template_syntax_is_printed_as_written(hostile: Path, name: str) -> None:
    raw = (hostile / SLUG / name).read_bytes()
    if name == "email.eml":
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["Subject"] == "Subject {{ 7*7 }} X-Injected: yes Cc: victim@example.org"
        text_part, html_part = message.iter_parts()
        texts = [" ".join(text_part.get_content().split()), visible_text(html_part.get_content())]
    elif name == "email.txt":
        texts = [" ".join(raw.decode("utf-8").split())]
    else:
        texts = [visible_text(raw.decode("utf-8"))]
    for text in texts:
        for snippet in TEMPLATE_TEXT:
            assert snippet in text, (name, snippet)
        assert "49" not in text


def test_template_syntax_reaches_feed_readers_as_written(hostile: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        content = " ".join(
            lxml.html.fromstring(f"<div>{fragment}</div>").text_content()
            for fragment in html_in_xml_feed((hostile / name).read_bytes())
        )
        content = " ".join(content.split())
        for snippet in TEMPLATE_TEXT:
            assert snippet in content, (name, snippet)
    archive = lxml.html.fromstring((hostile / "index.html").read_bytes()).text_content()
    assert TITLE in archive


def test_the_hostile_feeds_raise_no_html_in_text_warning(hostile: Path) -> None:
    check_text((hostile / "feed.xml").read_bytes())
    check_text((hostile / "atom.xml").read_bytes())
    check_json_text(json.loads((hostile / "feed.json").read_bytes()))


def test_line_breaks_in_title_and_subject_add_no_header(hostile: Path) -> None:
    raw = (hostile / SLUG / "email.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.keys() == [
        "Subject",
        "From",
        "Reply-To",
        "Date",
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
        "MIME-Version",
        "Content-Type",
    ]
    # the header block ends at the first blank line; a body line cannot be a header
    headers = raw.split(b"\n\n", 1)[0]
    assert not re.search(rb"^(Bcc|Cc|X-Injected):", headers, re.M | re.I)


def test_rss_hands_readers_the_deck_as_escaped_html(hostile: Path) -> None:
    rss = lxml.etree.fromstring((hostile / "feed.xml").read_bytes())
    descriptions = [d.text for d in rss.iter("description") if d.getparent().tag == "item"]
    deck = (
        "Trade &lt; Security &amp; Growth &gt; javascript:alert('deck') "
        "{% if true %}deck{% endif %}"
    )
    assert deck in descriptions


# --- raw HTML: rejected with a message, whatever it carries -------------------------------------

RAW_HTML = {
    "<script>alert(1)</script>": "'<script>alert(1)</script>'",
    '<img src="x.png" onerror="alert(1)">': '\'<img src="x.png" onerror="alert(1)">\'',
    'Text <a href="#" onclick="alert(1)">here</a>.': '\'<a href="#" onclick="alert(1)">\'',
    "An <span onmouseover=alert(1)>inline</span> one.": "'<span onmouseover=alert(1)>'",
    '<a href="javascript:alert(1)">x</a>': "'<a href=\"javascript:alert(1)\">'",
    "<iframe src=https://example.org></iframe>": "'<iframe src=https://example.org></iframe'",
}


@pytest.mark.parametrize("markup", sorted(RAW_HTML))
def test_raw_html_is_rejected_with_its_line(project: Path, markup: str) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("## Summary\n")].count("\n") + 3
    path.write_text(text.replace("## Summary\n", f"## Summary\n\n{markup}\n", 1), encoding="utf-8")
    message = (
        f"issues/006-zhao-long-china-russia.md:{line}: raw HTML is not allowed in an "
        f"issue: {RAW_HTML[markup]}; write it in Markdown\n"
    )
    result = run(project, "check")
    assert (result.exit_code, result.stdout) == (1, checked(message))
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (1, message)
    assert not (project / "out").exists()


# --- settings: trusted, but still no header and no script through them -------------------------


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        (
            "https://example.org/u\\nBcc: victim@example.org",
            "unsubscribe_tag: expected the merge tag on one line, got "
            "'https://example.org/u\\nBcc: victim@example.org'",
        ),
        (
            " JavaScript:alert(1)",
            "unsubscribe_tag: expected your service's merge tag or an https:// URL, got "
            "' JavaScript:alert(1)'",
        ),
    ],
)
def test_a_merge_tag_setting_cannot_add_a_header_or_a_script(
    project: Path, tag: str, message: str
) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('service = "mailchimp"', f'service = "generic"\nunsubscribe_tag = "{tag}"'),
        encoding="utf-8",
    )
    line = text[: text.index('service = "mailchimp"')].count("\n") + 2
    result = run(project, "check")
    assert (result.exit_code, result.stdout) == (1, checked(f"pyproject.toml:{line}: {message}"))
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (1, f"pyproject.toml:{line}: {message}\n")
    assert not (project / "out").exists()
