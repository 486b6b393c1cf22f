"""Every Markdown construct an issue may hold, in every output, exactly as a reader gets it.

tests/fixtures/constructs/008-markdown-constructs.md holds inline code, hard breaks, fenced and
indented code, a thematic break, a table (not enabled: it stays a paragraph), nested lists with
links inside emphasis and bold, a footnote inside a list, images and `mailto:` links. It is
rendered once with the sample project; each test compares one construct in one output with the
text or HTML it must be: the plain text, the email (styles inlined), the web page and the three
feeds (the page's HTML, with links to a footnote made absolute).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from newsletter import markdown

from .conftest import ROOT, copy_sample, run, shared

PRE = "white-space:pre-wrap; overflow-wrap:anywhere"  # a code block in the email: it wraps
FLUID = "max-width:100%;height:auto"  # every image: never wider than its column
FIXTURE = ROOT / "tests" / "fixtures" / "constructs" / "008-markdown-constructs.md"
SLUG = FIXTURE.stem
PAGE_URL = f"https://chinaffairs.example/{SLUG}/"

# What premailer writes into the email for the stylesheet's rules
A = ' style="color:#8c1c13; text-decoration:underline"'
P = ' style="margin:0 0 16px 0"'
LIST = ' style="margin:0 0 16px 0; padding:0 0 0 24px"'
LI = ' style="margin:0 0 10px 0"'
STRONG = ' style="color:#111417"'

# construct: (plain text, web page and feeds, email)
CONSTRUCTS: dict[str, tuple[str, str, str]] = {
    "inline code, bold and emphasis holding links": (
        "The note has inline code, bold with a link [1] and emphasis with another\n[2],",
        '<p>The note has <code>inline code</code>, <strong>bold with <a href="https://example.org'
        '/bold">a link</a></strong> and\n<em>emphasis with <a href="https://example.org/em">'
        "another</a></em>,",
        f'<p{P}>The note has <code>inline code</code>, <strong{STRONG}>bold with <a href="https:'
        f'//example.org/bold"{A}>a link</a></strong> and\n<em>emphasis with <a href="https://'
        f'example.org/em"{A}>another</a></em>,',
    ),
    "hard breaks, by backslash and by two spaces": (
        "a line that ends in a hard break\nand one that ends in two spaces\nbefore the next.",
        "a line that ends in a hard break<br />\nand one that ends in two spaces<br />\n"
        "before the next.",
        "a line that ends in a hard break<br>\nand one that ends in two spaces<br>\n"
        "before the next.",
    ),
    "mailto links, one with its address as its text": (
        "Write to the editors [3] or editors@example.org.\n",
        'Write to <a href="mailto:editors@example.org">the editors</a> or\n'
        '<a href="mailto:editors@example.org">editors@example.org</a>.</p>',
        f'Write to <a href="mailto:editors@example.org"{A}>the editors</a> or\n'
        f'<a href="mailto:editors@example.org"{A}>editors@example.org</a>.</p>',
    ),
    "a mailto autolink": (
        "write to mailto:zhao@example.org.\n",
        'write to <a href="mailto:zhao@example.org">mailto:zhao@example.org</a>.</p>',
        f'write to <a href="mailto:zhao@example.org"{A}>mailto:zhao@example.org</a>.</p>',
    ),
    "a fenced code block, its blank line kept": (
        "A fenced block:\n\n    def f(x):\n\n        return x * 2\n\nAn indented block:",
        '<p>A fenced block:</p>\n<pre style="white-space:pre-wrap"><code class="language-python">'
        "def f(x):\n\n"
        "    return x * 2\n</code></pre>\n<p>An indented block:</p>",
        f'<p{P}>A fenced block:</p>\n<pre style="{PRE}"><code class="language-python">'
        "def f(x):\n\n"
        f"    return x * 2\n</code></pre>\n<p{P}>An indented block:</p>",
    ),
    "an indented code block": (
        "An indented block:\n\n    $ newsletter check\n    2 issues OK\n\nAbove the rule.",
        '<pre style="white-space:pre-wrap"><code>$ newsletter check\n2 issues OK\n</code></pre>\n'
        "<p>Above the rule.</p>",
        f'<pre style="{PRE}"><code>$ newsletter check\n2 issues OK\n</code></pre>\n'
        f"<p{P}>Above the rule.</p>",
    ),
    "a thematic break": (
        "Above the rule.\n\n* * *\n\nBelow the rule.",
        "<p>Above the rule.</p>\n<hr />\n<p>Below the rule.</p>",
        f"<p{P}>Above the rule.</p>\n<hr>\n<p{P}>Below the rule.</p>",
    ),
    "a table, which is not enabled and stays a paragraph": (
        "| a table | is not enabled | |---------|----------------| | so it |\nstays text |\n",
        "<p>| a table | is not enabled |\n|---------|----------------|\n"
        "| so it   | stays text     |</p>",
        f"<p{P}>| a table | is not enabled |\n|---------|----------------|\n"
        "| so it   | stays text     |</p>",
    ),
    "nested lists with links in emphasis and bold, and a footnote": (
        "- A linked item [4] with emphasis and code.\n"
        "- A nested list with an emphasised link [2]:\n"
        "  1. first, with a bold link [5];\n"
        "  2. second, with a note.[^1]\n",
        '<ul>\n<li>A <a href="https://example.org/item">linked item</a> with <em>emphasis</em> '
        "and <code>code</code>.</li>\n"
        '<li>A nested list with <em><a href="https://example.org/em">an emphasised link</a></em>'
        ':\n<ol>\n<li>first, with <strong><a href="https://example.org/nested">a bold link</a>'
        "</strong>;</li>\n"
        '<li>second, with a note.<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a>'
        "</sup></li>\n</ol>\n</li>",
        f'<ul{LIST}>\n<li{LI}>A <a href="https://example.org/item"{A}>linked item</a> with '
        "<em>emphasis</em> and <code>code</code>.</li>\n"
        f'<li{LI}>A nested list with <em><a href="https://example.org/em"{A}>an emphasised '
        f"link</a></em>:\n<ol{LIST}>\n"
        f'<li{LI}>first, with <strong{STRONG}><a href="https://example.org/nested"{A}>a bold '
        "link</a></strong>;</li>\n"
        f'<li{LI}>second, with a note.<sup class="footnote-ref"><a href="#fn1" id="fnref1"{A}>'
        "[1]</a></sup>\n</li>\n</ol>\n</li>",
    ),
    "images, with their alt text": (
        "- [A chart of trade] [6] beside [a map] [7].\n",
        '<li><img src="https://example.org/chart.png" alt="A chart of trade" title="Trade" '
        f'style="{FLUID}" /> beside\n<img src="https://example.org/map.png" alt="a map" '
        f'style="{FLUID}" />.</li>\n</ul>',
        f'<li{LI}>\n<img src="https://example.org/chart.png" alt="A chart of trade" '
        f'title="Trade" style="{FLUID}"> beside\n'
        f'<img src="https://example.org/map.png" alt="a map" '
        f'style="{FLUID}">.</li>\n'
        "</ul>",
    ),
    "the note of a list, after the section": (
        "\n----------\n[^1] A note in a list, with a link [8].\n\n\nKEY POINTS\n",
        '<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n'
        '<li id="fn1" class="footnote-item" value="1"><p>A note in a list, with <a href="https:'
        '//example.org/note">a link</a>. <a href="#fnref1" class="footnote-backref">↩︎</a></p>\n'
        "</li>\n</ol>\n</section>",
        f'<hr class="footnotes-sep">\n<section class="footnotes">\n<ol class="footnotes-list"'
        f'{LIST}>\n<li id="fn1" class="footnote-item" value="1"{LI}>\n<p{P}>A note in a list, '
        f'with <a href="https://example.org/note"{A}>a link</a>. <a href="#fnref1" '
        f'class="footnote-backref"{A}>↩︎</a></p>\n</li>\n</ol>\n</section>',
    ),
    "code in a key point's title": (
        "1. A point with code in its title\n---------------------------------\n",
        '<h3 class="keypoint-title"><span class="keypoint-number">1.</span> A point with '
        "<code>code</code> in its title</h3>",
        '<span class="keypoint-number" style="color:#8c1c13">1.</span> A point with '
        "<code>code</code> in its title</h3>",
    ),
}
LINKS = (
    "Links:\n"
    "[1] https://example.org/bold\n"
    "[2] https://example.org/em\n"
    "[3] mailto:editors@example.org\n"
    "[4] https://example.org/item\n"
    "[5] https://example.org/nested\n"
    "[6] https://example.org/chart.png\n"
    "[7] https://example.org/map.png\n"
    "[8] https://example.org/note\n"
)
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


@pytest.fixture(scope=shared)
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The constructs issue rendered with the sample project: each output, by name."""
    project = copy_sample(tmp_path_factory.mktemp("constructs") / "project")
    shutil.copy(FIXTURE, project / "issues" / FIXTURE.name)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    out = project / "out"
    issue = {name: (out / SLUG / name).read_text(encoding="utf-8") for name in ("email.txt",)}
    issue["email.html"] = (out / SLUG / "email.html").read_text(encoding="utf-8")
    issue["index.html"] = (out / SLUG / "index.html").read_text(encoding="utf-8")
    rss = etree.fromstring((out / "feed.xml").read_bytes())
    issue["feed.xml"] = rss.find("channel/item").findtext(CONTENT)
    atom = etree.fromstring((out / "atom.xml").read_bytes())
    issue["atom.xml"] = atom.findtext("{http://www.w3.org/2005/Atom}entry/{*}content")
    issue["feed.json"] = json.loads((out / "feed.json").read_bytes())["items"][0]["content_html"]
    return issue


def test_every_construct_is_in_the_fixture() -> None:
    source = FIXTURE.read_text(encoding="utf-8")
    for marker in ("`", "\\\n", "  \n", "```python", "\n    $", "\n---\n", "| a table", "  1. "):
        assert marker in source
    for marker in ("**[", "*[", "[^list]", "![", "](mailto:", "<mailto:"):
        assert marker in source


def missing(document: str, output: int) -> list[str]:
    """The constructs whose text or HTML in OUTPUT (0 text, 1 page and feeds, 2 email) is not
    in DOCUMENT."""
    return [name for name, forms in CONSTRUCTS.items() if forms[output] not in document]


def test_each_construct_in_the_plain_text(outputs: dict[str, str]) -> None:
    assert missing(outputs["email.txt"], 0) == []


def test_each_construct_on_the_web_page(outputs: dict[str, str]) -> None:
    assert missing(outputs["index.html"], 1) == []


@pytest.mark.parametrize("feed", ["feed.xml", "atom.xml", "feed.json"])
def test_each_construct_in_each_feed(outputs: dict[str, str], feed: str) -> None:
    # the feeds carry the page's HTML, links to its notes made absolute, without inline styles
    # (the feed validator flags them)
    document = outputs[feed].replace(f'href="{PAGE_URL}#', 'href="#')
    assert [name for name, forms in CONSTRUCTS.items() if unstyled(forms[1]) not in document] == []


def unstyled(html: str) -> str:
    """HTML without its inline style attributes, as the feeds carry it."""
    return re.sub(r' style="[^"]*"', "", html)


def test_each_construct_in_the_email(outputs: dict[str, str]) -> None:
    assert missing(outputs["email.html"], 2) == []


def test_the_plain_text_numbers_every_link_once_and_lists_them_at_the_end(
    outputs: dict[str, str],
) -> None:
    assert outputs["email.txt"].endswith("\n\n" + LINKS)
    assert "[9]" not in outputs["email.txt"]


def test_the_preheader_opens_the_email_instead_of_the_subtitle(outputs: dict[str, str]) -> None:
    html = outputs["email.html"]
    preheader = html[html.index('<div class="preheader"') :]
    assert preheader[preheader.index(">") + 1 :].startswith(
        "The preheader, not the subtitle, opens this email.</div>"
    )
    assert html.count("Code, breaks, rules, nested lists") == 1  # the deck, under the title


def test_the_issue_with_every_construct_passes_check(project: Path) -> None:
    shutil.copy(FIXTURE, project / "issues" / FIXTURE.name)
    result = run(project, "check")  # (its remote images of unknown size are warnings)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("\n3 issues OK, 2 warnings.\n")


def test_the_page_and_the_feeds_carry_the_same_content(outputs: dict[str, str]) -> None:
    page = outputs["index.html"]
    article = page[page.index('<div class="note">') : page.index("</article>")]
    for feed in ("feed.xml", "atom.xml", "feed.json"):
        assert unstyled(article).replace('href="#', f'href="{PAGE_URL}#') in outputs[feed]


def test_no_line_of_the_plain_text_ends_in_a_space(outputs: dict[str, str]) -> None:
    assert [line for line in outputs["email.txt"].split("\n") if line != line.rstrip()] == []


@pytest.mark.parametrize(
    "url",
    [
        "https://x.org/",
        "http://x.org/",
        "HTTPS://x.org/",
        "mailto:a@x.org",
        "tel:+8610",
        "ftp://x",
        "page/",
        "../007/",
        "#fn1",
    ],
)
def test_web_mail_phone_ftp_and_relative_targets_are_links(url: str) -> None:
    assert markdown.parser().render(f"[x](<{url}>) ![i](<{url}>)") == (
        f'<p><a href="{url}">x</a> <img src="{url}" alt="i" /></p>\n'
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:x", "vbscript:x", "data:text/html,x", "file:///x", "app:x"],
)
def test_any_other_target_is_printed_as_the_text_it_was(url: str) -> None:
    written = f"[x](<{url}>)"
    assert markdown.parser().render(written) == f"<p>{html.escape(written, quote=False)}</p>\n"
