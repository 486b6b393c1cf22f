"""The outputs of the sample project: the tree, the inlined email, the MIME message, the feeds."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import feedparser
import lxml.html

from .conftest import SAMPLE, run, snapshot

ISSUE_7 = "007-zhang-xin-china-russia-rapprochement"


def test_render_leaves_the_design_tree(rendered: Path) -> None:
    assert sorted(n for n in snapshot(rendered) if not n.startswith("pagefind/")) == [
        f"{SAMPLE}/email.eml",
        f"{SAMPLE}/email.html",
        f"{SAMPLE}/email.txt",
        f"{SAMPLE}/index.html",
        f"{ISSUE_7}/email.eml",
        f"{ISSUE_7}/email.html",
        f"{ISSUE_7}/email.txt",
        f"{ISSUE_7}/index.html",
        "atom.xml",
        "feed.json",
        "feed.xml",
        "index.html",
        "search.js",
        "sitemap.xml",
        *(
            f"tags/{tag}/{name}"
            for tag in (
                "brics",
                "china-russia",
                "global-governance",
                "multilateralism",
                "multipolarity",
                "sco",
            )
            for name in ("atom.xml", "feed.json", "feed.xml", "index.html")
        ),
    ]
    # the search index: the years it has (one), and Pagefind's bundle of each
    index = sorted(name for name in snapshot(rendered) if name.startswith("pagefind/2024/"))
    assert (rendered / "pagefind" / "years.json").read_text() == '{"years": [2024]}\n'
    patterns = [
        r"fragment/en_[0-9a-f]+\.pf_fragment",  # one per issue: what a result shows
        r"fragment/en_[0-9a-f]+\.pf_fragment",
        r"index/en_[0-9a-f]+\.pf_index",
        r"pagefind-entry\.json",
        r"pagefind-worker\.js",
        r"pagefind\.en_[0-9a-f]+\.pf_meta",
        r"pagefind\.js",
        r"wasm\.en\.pagefind",
        r"wasm\.unknown\.pagefind",
    ]
    assert len(index) == len(patterns)
    for name, pattern in zip(index, patterns, strict=True):
        assert re.fullmatch(f"pagefind/2024/{pattern}", name), name


def test_email_styles_are_inlined_and_media_queries_kept(rendered: Path) -> None:
    html = (rendered / SAMPLE / "email.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    title = tree.find_class("title")[0]
    assert "font-size:28px" in title.get("style").replace(" ", "")
    assert all(p.get("style") for p in tree.find_class("section-title"))
    styles = [s.text_content() for s in tree.iter("style")]
    assert any("@media only screen and (max-width: 620px)" in s for s in styles)
    assert any("prefers-color-scheme: dark" in s for s in styles)
    # class rules were applied, not left behind in <style>
    assert not any(re.search(r"^\.title\s*\{", s, re.M) for s in styles)


def test_email_is_under_gmail_clipping_limit(rendered: Path) -> None:
    for slug in (SAMPLE, ISSUE_7):
        assert (rendered / slug / "email.html").stat().st_size < 102 * 1024


def test_merge_tag_survives_inlining(rendered: Path) -> None:
    html = (rendered / SAMPLE / "email.html").read_text(encoding="utf-8")
    assert 'href="*|UNSUB|*"' in html
    assert "*|UNSUB|*" in (rendered / SAMPLE / "email.txt").read_text(encoding="utf-8")


def test_eml_parts_equal_the_text_and_html(rendered: Path) -> None:
    raw = (rendered / SAMPLE / "email.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert text_part.get_content() == (rendered / SAMPLE / "email.txt").read_text(encoding="utf-8")
    assert html_part.get_content() == (rendered / SAMPLE / "email.html").read_text(encoding="utf-8")
    assert message["Subject"] == (
        "ZHAO Long on China-Russia strategic coordination amid great changes"
    )
    assert message["Date"] == "Mon, 07 Oct 2024 00:00:00 +0000"
    assert message["From"] == "SUN Chenghao <sunchenghao@tsinghua.edu.cn>"
    assert message["Message-ID"] == "<issue-6.2024-10-07@chinaffairs.example>"
    assert message["List-Id"] == "ChinAffairs+ <chinaffairs.example>"
    assert message["List-Unsubscribe"] == "<*|UNSUB|*>"


def test_feeds_parse_with_two_entries_newest_first(rendered: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((rendered / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert [entry.id for entry in feed.entries] == [
            "tag:chinaffairs.example,2024-10-14:issue-7",
            "tag:chinaffairs.example,2024-10-07:issue-6",
        ]
        assert feed.entries[0].link == f"https://chinaffairs.example/{ISSUE_7}/"
        assert feed.entries[1].published_parsed[:3] == (2024, 10, 7)
        assert "Multiple Dilemmas in a Changing World" in feed.entries[1].content[0].value


def test_feeds_are_dated_by_the_issues_not_the_clock(rendered: Path) -> None:
    rss = (rendered / "feed.xml").read_text(encoding="utf-8")
    atom = (rendered / "atom.xml").read_text(encoding="utf-8")
    assert "<lastBuildDate>Mon, 14 Oct 2024 00:00:00 +0000</lastBuildDate>" in rss
    assert (
        '<atom:link href="https://chinaffairs.example/feed.xml" rel="self" '
        'type="application/rss+xml"/>' in rss
    )
    assert "<link>https://chinaffairs.example/</link>" in rss
    assert "<updated>2024-10-14T00:00:00+00:00</updated>" in atom
    assert (
        '<link href="https://chinaffairs.example/atom.xml" rel="self" '
        'type="application/atom+xml"/>' in atom
    )
    assert "2026" not in rss + atom


def test_rendering_twice_is_byte_identical(project: Path) -> None:
    assert run(project, "render").exit_code == 0
    first = snapshot(project / "out")
    result = run(project, "render")
    assert result.exit_code == 0
    assert snapshot(project / "out") == first
    assert result.output == "Rendered 2 issues into out/: 48 files, 0 changed.\n"


def test_template_syntax_in_content_is_printed_as_written(project: Path) -> None:
    path = project / "issues" / f"{SAMPLE}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "## Summary\n", "## Summary\n\nLiteral {{ 7*7 }} and {% if x %}y{% endif %}.\n", 1
        ),
        encoding="utf-8",
    )
    assert run(project, "render").exit_code == 0
    for name in ("email.txt", "email.html", "index.html"):
        text = (project / "out" / SAMPLE / name).read_text(encoding="utf-8")
        assert "Literal {{ 7*7 }} and {% if x %}y{% endif %}." in text
        assert "Literal 49" not in text


def test_archive_lists_published_issues_newest_first(rendered: Path) -> None:
    tree = lxml.html.fromstring((rendered / "index.html").read_bytes())
    links = [a.get("href") for a in tree.find_class("archive-title") for a in a.iter("a")]
    assert links == [
        f"https://chinaffairs.example/{ISSUE_7}/",
        f"https://chinaffairs.example/{SAMPLE}/",
    ]
    assert tree.xpath("//link[@rel='alternate'][@type='application/rss+xml']")
