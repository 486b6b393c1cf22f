"""The feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, held to the W3C feed validator's rules.

The validator (validator.w3.org/feed) is a web service; these tests check, offline, the rules it
applies to feeds like ours, each named after the message it would give:

- RSS: channel title, link, description and language; `atom:link rel="self"` (MissingAtomSelfLink);
  dates in RFC 2822 form with a numeric zone in whole or half hours and the right day of the week
  (InvalidRFC2822Date, ProblematicalRFC822Date, IncorrectDOW); a guid on every item (MissingGuid),
  `isPermaLink="false"` for a tag: URI (InvalidPermalink), unique (DuplicateValue); `description`
  before `content:encoded` (NeedDescriptionBeforeContent); author as `email (name)`
  (MissingRealName); categories not blank (NotBlank).
- Atom: feed id, title, updated, author, a self link (MissingSelf); entries with id, title,
  updated, summary, content and an alternate link; RFC 3339 dates (InvalidRFC3339Date); ids
  unique (DuplicateEntries), canonical URIs or valid tag URIs (InvalidTAG).
- Both, and JSON Feed: text that is not HTML (titles, categories, summaries, names) holds no
  HTML end tag and no HTML entity once read (ContainsHTML: "title should not contain HTML").
- Both: HTML content that an HTML5 parser in strict mode reads without error (NotHtml), only
  harmless elements and attributes (SecurityRisk, SecurityRiskAttr, DangerousStyleAttr), and no
  relative URL, since a feed reader shows the entry away from its page (ContainsRelRef).
"""

from __future__ import annotations

import html.entities
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import jsonschema
import pytest

from . import pictures
from .conftest import SAMPLE, WORKOUT, run, snapshot

ISSUE_7 = "007-zhang-xin-china-russia-rapprochement"
SITE = "https://chinaffairs.example/"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"

RFC2822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d [+-]\d\d[03]0"
)
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
TAG_URI = re.compile(r"tag:[a-z0-9.-]+,\d{4}(-\d\d(-\d\d)?)?:[A-Za-z0-9;/?:@&=+$.\-_!~*'()%,]*")
# What the issue HTML is made of; every one is on the validator's list of safe HTML.
SAFE_ELEMENTS = {
    "a", "aside", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "section", "span", "strong", "sup", "ul",
    "table", "tbody", "tr", "td",  # the card's byline, when an author has a photo
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "alt", "class", "href", "id", "src", "start", "title", "value",
    "width", "height", "border", "cellpadding", "cellspacing", "valign",
}  # fmt: skip

# JSON Feed 1.1 (jsonfeed.org/version/1.1), the parts this publication uses, as a JSON Schema.
AUTHOR = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
    "anyOf": [{"required": ["name"]}, {"required": ["url"]}],
}
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": AUTHOR, "minItems": 1},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "format": "uri"},
                    "external_url": {"type": "string", "format": "uri"},
                    "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "content_html": {"type": "string"},
                    "date_published": {"type": "string", "pattern": RFC3339.pattern},
                    "date_modified": {"type": "string", "pattern": RFC3339.pattern},
                    "authors": {"type": "array", "items": AUTHOR, "minItems": 1},
                    "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "image": {"type": "string", "format": "uri", "pattern": "^https://"},
                },
            },
        },
    },
}


# The validator's `nonhtml` rule: an end tag of an HTML element, or an entity of HTML's own,
# in text a reader shows as it is. Its list of HTML elements, the ones a feed could carry.
HTML_TAGS = {
    "a", "abbr", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo",
    "blockquote", "body", "br", "button", "canvas", "caption", "cite", "code", "col", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "embed", "fieldset", "figure", "font",
    "footer", "form", "frame", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html",
    "i", "iframe", "img", "input", "ins", "kbd", "label", "li", "link", "main", "map", "mark",
    "meta", "nav", "object", "ol", "option", "p", "pre", "q", "s", "script", "section", "select",
    "small", "span", "strike", "strong", "style", "sub", "sup", "svg", "table", "tbody", "td",
    "textarea", "th", "thead", "title", "tr", "tt", "u", "ul", "var", "video",
}  # fmt: skip
END_TAG = re.compile(r"</(\w+)>")
ENTITY = re.compile(r"&(#?\w+);")


def html_in_text(value: str) -> list[str]:
    """What the validator's ContainsHTML warning would name in a text element's VALUE."""
    tags = [f"</{tag}>" for tag in END_TAG.findall(value) if tag.lower() in HTML_TAGS]
    entities = [
        f"&{name};"
        for name in ENTITY.findall(value)
        if name in html.entities.name2codepoint or not name.isalpha()
    ]
    return tags + entities


def check_text(data: bytes) -> None:
    """No text element of an XML feed holds HTML (RSS item descriptions and content are HTML)."""
    root = ET.fromstring(data)
    html_elements = {
        id(child)
        for item in root.iter("item")
        for child in item
        if child.tag in ("description", CONTENT)
    }
    for element in root.iter():
        if id(element) in html_elements or element.get("type") in ("html", "xhtml"):
            continue
        for value in (element.text or "", element.get("term") or ""):
            assert html_in_text(value) == [], (element.tag, value)


def check_json_text(feed: dict[str, Any]) -> None:
    """The JSON Feed's text fields hold no HTML either."""
    values = [feed["title"], feed.get("description", "")]
    for item in feed["items"]:
        values += [item.get("title", ""), item.get("summary", ""), *item.get("tags", [])]
    for value in values:
        assert html_in_text(value) == [], value


def test_the_html_in_text_rule_finds_what_the_validator_would() -> None:
    assert html_in_text("<script>alert(1)</script> &amp; &#169;") == [
        "</script>",
        "&amp;",
        "&#169;",
    ]
    assert html_in_text("Trade < Security & Growth; <3 &c; </notatag>") == []


def check_html(content: str, where: str) -> None:
    """Strict HTML5 parsing, safe elements and attributes only, every URL absolute."""
    fragment = html5lib.HTMLParser(strict=True).parseFragment(content)
    for element in fragment.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        assert element.tag.split("}")[-1] in SAFE_ELEMENTS, (where, element.tag)
        assert set(element.attrib) <= SAFE_ATTRIBUTES, (where, element.attrib)
        for attribute in ("href", "src"):
            if attribute in element.attrib:
                assert re.match(r"[a-z][a-z0-9+.-]*:", element.attrib[attribute]), (where, element)


def check_rfc2822(value: str | None, where: str) -> datetime:
    """A date in the form the validator accepts without a warning, its weekday right."""
    assert value is not None and RFC2822.fullmatch(value), (where, value)
    moment = parsedate_to_datetime(value)
    assert value.startswith(moment.strftime("%a")), (where, value)
    return moment


def check_rss(data: bytes, folder: str = "") -> list[ET.Element]:
    """The RSS rules listed above (for the feed in FOLDER of the site); returns the items."""
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    for name in ("title", "link", "description", "language"):
        assert (channel.findtext(name) or "").strip(), name
    assert channel.findtext("link") == f"{SITE}{folder}"
    selfs = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("type") == "application/rss+xml"
    assert selfs[0].get("href") == f"{SITE}{folder}feed.xml"
    check_rfc2822(channel.findtext("lastBuildDate"), "lastBuildDate")
    check_rfc2822(channel.findtext("pubDate"), "pubDate")
    items = channel.findall("item")
    guids = []
    for item in items:
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        assert guid.text and TAG_URI.fullmatch(guid.text), guid.text
        guids.append(guid.text)
        tags = [child.tag for child in item]
        assert tags.index("description") < tags.index(CONTENT)
        assert re.fullmatch(r"\S+@\S+ \(.+\)", item.findtext("author") or "")
        assert all((c.text or "").strip() for c in item.findall("category"))
        assert (item.findtext("title") or "").strip()
        assert re.match(r"https://", item.findtext("link") or "")
        check_rfc2822(item.findtext("pubDate"), guid.text)
        check_html(item.findtext("description") or "", guid.text)
        check_html(item.findtext(CONTENT) or "", guid.text)
    assert len(set(guids)) == len(guids)
    return items


def check_atom(data: bytes, folder: str = "") -> list[ET.Element]:
    """The Atom rules listed above (for the feed in FOLDER of the site); returns the entries."""
    feed = ET.fromstring(data)
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert (feed.findtext(f"{ATOM}author/{ATOM}name") or "").strip()
    rels = {link.get("rel", "alternate"): link for link in feed.findall(f"{ATOM}link")}
    assert rels["self"].get("type") == "application/atom+xml"
    assert rels["self"].get("href") == f"{SITE}{folder}atom.xml"
    assert rels["alternate"].get("href") == f"{SITE}{folder}"
    assert feed.findtext(f"{ATOM}id") == f"{SITE}{folder}"
    entries = feed.findall(f"{ATOM}entry")
    updated = [entry.findtext(f"{ATOM}updated") or "" for entry in entries]
    for value in [feed.findtext(f"{ATOM}updated") or "", *updated]:
        assert RFC3339.fullmatch(value), value
    if entries:
        newest = max(updated, key=datetime.fromisoformat)
        assert feed.findtext(f"{ATOM}updated") == newest
    ids = []
    for entry in entries:
        ident = entry.findtext(f"{ATOM}id") or ""
        assert TAG_URI.fullmatch(ident), ident
        ids.append(ident)
        published = entry.findtext(f"{ATOM}published") or ""
        assert RFC3339.fullmatch(published), published
        assert datetime.fromisoformat(published) <= datetime.fromisoformat(
            entry.findtext(f"{ATOM}updated") or ""
        )
        assert (entry.findtext(f"{ATOM}title") or "").strip()
        assert (entry.findtext(f"{ATOM}summary") or "").strip()
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        check_html(content.text or "", ident)
        links = [link for link in entry.findall(f"{ATOM}link")]
        assert [link.get("rel", "alternate") for link in links] in (
            ["alternate"],
            ["alternate", "enclosure"],  # the issue's image
        )
        for link in links[1:]:
            assert re.match(r"https://", link.get("href") or "")
            assert (link.get("type") or "").startswith("image/")
    assert len(set(ids)) == len(ids)
    return entries


def check_json(data: bytes, folder: str = "") -> dict[str, Any]:
    """JSON Feed 1.1 (for the feed in FOLDER of the site), and the same HTML rules for its
    content."""
    feed: dict[str, Any] = json.loads(data)
    jsonschema.validate(feed, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert feed["feed_url"] == f"{SITE}{folder}feed.json"
    assert feed["home_page_url"] == f"{SITE}{folder}"
    for item in feed["items"]:
        check_html(item["content_html"], item["id"])
    assert len({item["id"] for item in feed["items"]}) == len(feed["items"])
    return feed


def utc_tuple(value: str) -> time.struct_time:
    """An RFC 3339 date as feedparser gives dates: a struct_time in UTC."""
    return datetime.fromisoformat(value).astimezone(UTC).utctimetuple()


def words(html: str) -> list[str]:
    """The words of an HTML fragment, markup removed."""
    return re.sub(r"<[^>]+>", " ", html).split()


def ids(out: Path) -> dict[str, list[str]]:
    """The entry ids of each feed under OUT, in order."""
    rss = [item.findtext("guid") or "" for item in ET.fromstring((out / "feed.xml").read_bytes())
           .iter("item")]  # fmt: skip
    atom = [e.findtext(f"{ATOM}id") or "" for e in ET.fromstring((out / "atom.xml").read_bytes())
            .iter(f"{ATOM}entry")]  # fmt: skip
    feed = json.loads((out / "feed.json").read_bytes())
    return {"rss": rss, "atom": atom, "json": [item["id"] for item in feed["items"]]}


def set_front_matter(path: Path, key: str, value: str) -> None:
    """Add or replace one top-level front matter line."""
    text = path.read_text(encoding="utf-8")
    if re.search(rf"^{key}: .*$", text, flags=re.M):
        text = re.sub(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.M)
    else:
        text = text.replace("---\n", f"---\n{key}: {value}\n", 1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def with_images(project: Path) -> Path:
    """The sample project with the fixture issues that have images, rendered; its out/."""
    pictures.add_image_issues(project)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    return project / "out"


@pytest.mark.parametrize("outputs", ["rendered", "workout", "with_images"])
def test_feeds_follow_the_validator_rules(outputs: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(outputs)
    items = check_rss((out / "feed.xml").read_bytes())
    entries = check_atom((out / "atom.xml").read_bytes())
    feed = check_json((out / "feed.json").read_bytes())
    check_text((out / "feed.xml").read_bytes())
    check_text((out / "atom.xml").read_bytes())
    check_json_text(feed)
    count = {"rendered": 2, "workout": 3, "with_images": 4}[outputs]
    assert len(items) == len(entries) == len(feed["items"]) == count
    for name in ("feed.xml", "atom.xml"):
        result = feedparser.parse((out / name).read_bytes())
        assert result.bozo == 0, (name, result.get("bozo_exception"))


def test_feedparser_reads_rss_and_atom_without_error_and_json_has_the_same_entries(
    workout: Path,
) -> None:
    # feedparser 6 reads RSS and Atom; JSON Feed is checked against its schema above and here
    # against what feedparser reads from the other two.
    parsed = {}
    for name in ("feed.xml", "atom.xml"):
        result = feedparser.parse((workout / name).read_bytes())
        assert result.bozo == 0, (name, result.get("bozo_exception"))
        parsed[name] = result
    assert parsed["feed.xml"].version == "rss20"
    assert parsed["atom.xml"].version == "atom10"
    feed = json.loads((workout / "feed.json").read_bytes())
    for name, result in parsed.items():
        assert result.feed.title == feed["title"] == "ChinAffairs+"
        for entry, item in zip(result.entries, feed["items"], strict=True):
            assert entry.id == item["id"]
            assert entry.title == item["title"]
            assert entry.link == item["url"]
            assert [tag.term for tag in entry.tags] == item["tags"]
            assert entry.summary == item["summary"], name
            # feedparser sanitises HTML (it drops class attributes, for one): compare the words
            assert words(entry.content[0].value) == words(item["content_html"]), name
            assert entry.published_parsed == utc_tuple(item["date_published"])
    atom = parsed["atom.xml"].entries[0]
    assert atom.links[0].rel == "alternate"
    assert atom.updated_parsed == utc_tuple(feed["items"][0]["date_modified"])


def test_feed_dates_are_the_issues_dates(workout: Path) -> None:
    rss = (workout / "feed.xml").read_text(encoding="utf-8")
    atom = (workout / "atom.xml").read_text(encoding="utf-8")
    feed = json.loads((workout / "feed.json").read_bytes())
    # the workout issue: date 2024-10-21T09:30:00+08:00, updated 2024-10-23T18:00:00+08:00
    assert "<pubDate>Mon, 21 Oct 2024 09:30:00 +0800</pubDate>" in rss
    assert "<lastBuildDate>Wed, 23 Oct 2024 18:00:00 +0800</lastBuildDate>" in rss
    assert "<published>2024-10-21T09:30:00+08:00</published>" in atom
    assert atom.count("<updated>2024-10-23T18:00:00+08:00</updated>") == 2  # entry and feed
    assert (feed["items"][0]["date_published"], feed["items"][0]["date_modified"]) == (
        "2024-10-21T09:30:00+08:00",
        "2024-10-23T18:00:00+08:00",
    )
    # the sample issues: plain dates, midnight UTC
    assert "<pubDate>Mon, 07 Oct 2024 00:00:00 +0000</pubDate>" in rss
    assert feed["items"][2]["date_published"] == "2024-10-07T00:00:00+00:00"


def test_an_offset_rss_cannot_write_plainly_is_given_in_utc(project: Path) -> None:
    set_front_matter(project / "issues" / f"{SAMPLE}.md", "date", "2024-10-07T09:00:00+05:45")
    assert run(project, "render").exit_code == 0
    rss = (project / "out" / "feed.xml").read_text(encoding="utf-8")
    assert "<pubDate>Mon, 07 Oct 2024 03:15:00 +0000</pubDate>" in rss
    assert "<published>2024-10-07T09:00:00+05:45</published>" in (
        project / "out" / "atom.xml"
    ).read_text(encoding="utf-8")
    check_rss((project / "out" / "feed.xml").read_bytes())


def test_links_to_footnotes_are_absolute_in_feeds_and_local_on_the_page(
    workout: Path,
) -> None:
    page_url = "https://chinaffairs.example/008-plain-text-workout/"
    for name in ("feed.xml", "atom.xml"):
        data = (workout / name).read_text(encoding="utf-8")
        assert 'href="#' not in data
        assert f'href="{page_url}#fn3"' in data
    assert f'href=\\"{page_url}#fn1\\"' in (workout / "feed.json").read_text("utf-8")
    page = (workout / "008-plain-text-workout" / "index.html").read_text(encoding="utf-8")
    assert 'href="#fn1"' in page


def test_renaming_an_issue_title_and_file_keeps_its_feed_id(project: Path) -> None:
    assert run(project, "render").exit_code == 0
    before = ids(project / "out")
    old = project / "issues" / f"{SAMPLE}.md"
    new = project / "issues" / "006-china-russia-coordination.md"
    old.rename(new)
    set_front_matter(new, "title", "A New Title for Issue Six")
    assert run(project, "render").exit_code == 0
    assert ids(project / "out") == before
    assert before["atom"][1] == "tag:chinaffairs.example,2024-10-07:issue-6"
    result = feedparser.parse((project / "out" / "atom.xml").read_bytes())
    assert result.entries[1].title == "A New Title for Issue Six"
    assert result.entries[1].link == "https://chinaffairs.example/006-china-russia-coordination/"


def test_a_pinned_id_is_kept_whatever_the_date(project: Path) -> None:
    path = project / "issues" / f"{SAMPLE}.md"
    set_front_matter(path, "id", "tag:chinaffairs.example,2024-10-01:zhao-long")
    set_front_matter(path, "date", "2024-10-08")
    assert run(project, "render").exit_code == 0
    found = ids(project / "out")
    assert found["rss"][1] == found["atom"][1] == found["json"][1]
    assert found["json"][1] == "tag:chinaffairs.example,2024-10-01:zhao-long"


def test_a_draft_never_appears_in_the_feeds(project: Path) -> None:
    set_front_matter(project / "issues" / f"{ISSUE_7}.md", "status", "draft")
    for args in (("render",), ("render", "--drafts"), ("render", "7")):
        assert run(project, *args).exit_code == 0
        out = project / "out"
        assert ids(out) == {k: ["tag:chinaffairs.example,2024-10-07:issue-6"] for k in ids(out)}
        for name in ("feed.xml", "atom.xml", "feed.json", "index.html"):
            assert ISSUE_7 not in (out / name).read_text(encoding="utf-8"), (args, name)


def test_feed_size_is_honoured(project: Path) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("feed_size = 20", "feed_size = 1"), encoding="utf-8")
    shutil.copy(WORKOUT, project / "issues" / WORKOUT.name)
    assert run(project, "render").exit_code == 0
    newest = ["tag:chinaffairs.example,2024-10-21:issue-8"]
    assert ids(project / "out") == {"rss": newest, "atom": newest, "json": newest}
    archive = (project / "out" / "index.html").read_text(encoding="utf-8")
    assert SAMPLE in archive  # the archive still lists every issue


def test_a_feed_without_entries_is_dated_without_the_clock(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in (project / "issues").glob("*.md"):
        set_front_matter(path, "status", "draft")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert run(project, "render", "--drafts").exit_code == 0
    atom = (project / "out" / "atom.xml").read_bytes()
    assert b"<updated>1970-01-01T00:00:00+00:00</updated>" in atom
    assert check_atom(atom) == [] and check_rss((project / "out" / "feed.xml").read_bytes()) == []
    assert check_json((project / "out" / "feed.json").read_bytes())["items"] == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1728259200")
    assert run(project, "render", "--drafts").exit_code == 0
    rss = (project / "out" / "feed.xml").read_text(encoding="utf-8")
    assert "<lastBuildDate>Mon, 07 Oct 2024 00:00:00 +0000</lastBuildDate>" in rss


def render_in_subprocess(project: Path, **env: str) -> dict[str, bytes]:
    """Render PROJECT in a new Python process with ENV set; return the output tree."""
    shutil.rmtree(project / "out", ignore_errors=True)
    command = [sys.executable, "-c", "from newsletter.cli import main; main()", "-C", str(project)]
    subprocess.run([*command, "render"], env={**os.environ, **env}, check=True, capture_output=True)
    return snapshot(project / "out")


def test_output_does_not_depend_on_the_time_zone_or_the_locale(project: Path) -> None:
    shutil.copy(WORKOUT, project / "issues" / WORKOUT.name)
    utc = render_in_subprocess(project, TZ="UTC", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    far = render_in_subprocess(
        project, TZ="Pacific/Chatham", LC_ALL="de_DE.UTF-8", LANG="zh_CN.UTF-8"
    )
    assert sorted(utc) == sorted(far)
    assert [name for name in sorted(utc) if utc[name] != far[name]] == []
    assert b"Mon, 21 Oct 2024 09:30:00 +0800" in utc["feed.xml"]
