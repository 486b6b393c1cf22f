"""The archive as a place to read: topics with their feeds, years, the sitemap, robots.txt, and
the data that makes a shared link unfurl (Open Graph, Twitter) and cite (JSON-LD, citation_*)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import extruct
import lxml.etree
import lxml.html
import pytest

from newsletter import build, meta

from .conftest import ROOT, SAMPLE, run, snapshot
from .test_feeds import ISSUE_7, SITE, check_atom, check_json, check_rss, set_front_matter
from .test_incremental import full_render

SCHEMA = lxml.etree.XMLSchema(lxml.etree.parse(str(ROOT / "tests" / "sitemap.xsd")))
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TOPICS = {  # slug: (name, the issues it lists, newest first)
    "brics": ("BRICS", [SAMPLE]),
    "china-russia": ("China-Russia", [ISSUE_7, SAMPLE]),
    "global-governance": ("Global Governance", [ISSUE_7]),
    "multilateralism": ("Multilateralism", [SAMPLE]),
    "multipolarity": ("Multipolarity", [ISSUE_7]),
    "sco": ("SCO", [SAMPLE]),
}


def links(html: bytes, selector: str) -> list[str]:
    """The href of every link matching the CSS SELECTOR."""
    return [a.get("href") for a in lxml.html.fromstring(html).cssselect(selector)]


def structured(page: Path, url: str) -> dict[str, Any]:
    """The page's JSON-LD and Open Graph data, as extruct reads them."""
    data: dict[str, Any] = extruct.extract(
        page.read_text(encoding="utf-8"),
        base_url=url,
        syntaxes=["json-ld", "opengraph"],
        uniform=False,
    )
    return data


def meta_tags(page: Path) -> list[tuple[str, str]]:
    """Every (name or property, content) of the page's meta elements, in order."""
    tree = lxml.html.fromstring(page.read_bytes())
    return [
        (element.get("name") or element.get("property") or "", element.get("content") or "")
        for element in tree.iter("meta")
        if element.get("content") is not None
    ]


# --- topics ---------------------------------------------------------------------------------


def test_each_tag_has_a_page_listing_its_issues(rendered: Path) -> None:
    assert sorted(p.name for p in (rendered / "tags").iterdir()) == sorted(TOPICS)
    for slug, (name, slugs) in TOPICS.items():
        page = (rendered / "tags" / slug / "index.html").read_bytes()
        tree = lxml.html.fromstring(page)
        assert tree.findtext(".//h1") == name
        assert links(page, ".archive-title a") == [f"{SITE}{s}/" for s in slugs]
        assert tree.findtext(".//title") == f"{name} · ChinAffairs+"
        feeds = tree.xpath("//link[@rel='alternate']/@href")
        assert feeds[:3] == [
            f"{SITE}tags/{slug}/{f}" for f in ("feed.xml", "atom.xml", "feed.json")
        ]
        assert feeds[3:] == [f"{SITE}feed.xml", f"{SITE}atom.xml", f"{SITE}feed.json"]


@pytest.mark.parametrize("slug", sorted(TOPICS))
def test_topic_feeds_follow_the_validator_rules(rendered: Path, slug: str) -> None:
    folder = rendered / "tags" / slug
    items = check_rss((folder / "feed.xml").read_bytes(), f"tags/{slug}/")
    entries = check_atom((folder / "atom.xml").read_bytes(), f"tags/{slug}/")
    feed = check_json((folder / "feed.json").read_bytes(), f"tags/{slug}/")
    expected = [f"{SITE}{s}/" for s in TOPICS[slug][1]]
    assert [item.findtext("link") for item in items] == expected
    assert [e.find("{http://www.w3.org/2005/Atom}link").get("href") for e in entries] == expected
    assert [item["url"] for item in feed["items"]] == expected
    assert feed["title"] == f"ChinAffairs+: {TOPICS[slug][0]}"
    # the same entries as the main feeds: ids, dates, content
    main = {item["id"]: item for item in json.loads((rendered / "feed.json").read_bytes())["items"]}
    for item in feed["items"]:
        assert item == main[item["id"]]


def test_a_topic_feed_keeps_the_feed_size(project: Path) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("feed_size = 20", "feed_size = 1"), encoding="utf-8")
    assert run(project, "render").exit_code == 0
    topic = project / "out" / "tags" / "china-russia"
    assert [i["url"] for i in json.loads((topic / "feed.json").read_bytes())["items"]] == [
        f"{SITE}{ISSUE_7}/"
    ]
    assert links((topic / "index.html").read_bytes(), ".archive-title a") == [
        f"{SITE}{ISSUE_7}/",
        f"{SITE}{SAMPLE}/",
    ]


def test_the_issue_page_links_its_topics(rendered: Path) -> None:
    page = (rendered / SAMPLE / "index.html").read_bytes()
    assert links(page, ".topic-line a[rel=tag]") == [
        f"{SITE}tags/{slug}/" for slug in ("china-russia", "sco", "brics", "multilateralism")
    ]


def test_tags_spelt_differently_are_one_topic_and_others_get_their_own_folder(
    project: Path,
) -> None:
    set_front_matter(project / "issues" / f"{ISSUE_7}.md", "tags", "[china russia, 中俄关系]")
    assert run(project, "render").exit_code == 0
    tags = project / "out" / "tags"
    assert sorted(p.name for p in tags.iterdir()) == sorted(
        {"brics", "china-russia", "multilateralism", "sco", "中俄关系"}
    )
    page = (tags / "china-russia" / "index.html").read_bytes()
    assert lxml.html.fromstring(page).findtext(".//h1") == "china russia"  # the newest spelling
    assert links(page, ".archive-title a") == [f"{SITE}{ISSUE_7}/", f"{SITE}{SAMPLE}/"]
    feed = json.loads((tags / "中俄关系" / "feed.json").read_bytes())
    assert feed["feed_url"] == f"{SITE}tags/%E4%B8%AD%E4%BF%84%E5%85%B3%E7%B3%BB/feed.json"
    check_rss(
        (tags / "中俄关系" / "feed.xml").read_bytes(), "tags/%E4%B8%AD%E4%BF%84%E5%85%B3%E7%B3%BB/"
    )


# --- the archive, by year -------------------------------------------------------------------


def test_the_archive_groups_issues_by_year_and_links_the_topics(project: Path) -> None:
    set_front_matter(project / "issues" / f"{SAMPLE}.md", "date", "2023-12-25")
    assert run(project, "render").exit_code == 0
    page = (project / "out" / "index.html").read_bytes()
    tree = lxml.html.fromstring(page)
    years = tree.cssselect(".archive-year")
    assert [y.get("id") for y in years] == ["year-2024", "year-2023"]
    assert [" ".join(y.find("h2").text_content().split()) for y in years] == [
        "2024 · 1 issue",
        "2023 · 1 issue",
    ]
    assert [links(lxml.html.tostring(y), ".archive-title a") for y in years] == [
        [f"{SITE}{ISSUE_7}/"],
        [f"{SITE}{SAMPLE}/"],
    ]
    assert links(page, ".year-links a") == ["#year-2024", "#year-2023"]
    topics = tree.cssselect(".topic-list li")
    assert [" ".join(li.text_content().split()) for li in topics] == [
        f"{name} {len(slugs)}" for name, slugs in TOPICS.values()
    ]
    assert links(page, ".topic-list a") == [f"{SITE}tags/{slug}/" for slug in TOPICS]


def test_one_year_needs_no_year_links(rendered: Path) -> None:
    tree = lxml.html.fromstring((rendered / "index.html").read_bytes())
    assert [y.get("id") for y in tree.cssselect(".archive-year")] == ["year-2024"]
    assert " ".join(tree.cssselect(".archive-year h2")[0].text_content().split()) == (
        "2024 · 2 issues"
    )
    assert tree.cssselect(".year-links") == []


# --- sitemap and robots.txt -----------------------------------------------------------------


def test_the_sitemap_follows_the_schema_and_lists_every_page(rendered: Path) -> None:
    document = lxml.etree.parse(str(rendered / "sitemap.xml"))
    SCHEMA.assertValid(document)
    rows = [
        (url.findtext(f"{SITEMAP_NS}loc"), url.findtext(f"{SITEMAP_NS}lastmod"))
        for url in document.getroot()
    ]
    assert rows == [
        (SITE, "2024-10-14"),
        *[
            (f"{SITE}tags/{slug}/", "2024-10-14" if ISSUE_7 in slugs else "2024-10-07")
            for slug, (_, slugs) in TOPICS.items()
        ],
        (f"{SITE}{ISSUE_7}/", "2024-10-14"),
        (f"{SITE}{SAMPLE}/", "2024-10-07"),
    ]
    assert not (rendered / "robots.txt").exists()


def test_the_sitemap_dates_a_corrected_issue_by_its_update(project: Path) -> None:
    set_front_matter(project / "issues" / f"{SAMPLE}.md", "updated", "2024-11-02T10:30:00+08:00")
    set_front_matter(project / "issues" / f"{ISSUE_7}.md", "status", "draft")
    assert run(project, "render", "--drafts").exit_code == 0
    document = lxml.etree.parse(str(project / "out" / "sitemap.xml"))
    SCHEMA.assertValid(document)
    rows = {url[0].text: url[1].text for url in document.getroot()}
    assert rows == {  # the draft is in no listing
        SITE: "2024-11-02T10:30:00+08:00",
        **{
            f"{SITE}tags/{slug}/": "2024-11-02T10:30:00+08:00"
            for slug in ("brics", "china-russia", "multilateralism", "sco")
        },
        f"{SITE}{SAMPLE}/": "2024-11-02T10:30:00+08:00",
    }


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("robots = true", "User-agent: *\nAllow: /\n\n"),
        (
            'robots = """\nUser-agent: GPTBot\nDisallow: /\n"""',
            "User-agent: GPTBot\nDisallow: /\n\n",
        ),
    ],
)
def test_robots_txt_is_written_only_when_asked(project: Path, setting: str, expected: str) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("feed_size = 20", f"feed_size = 20\n{setting}"), "utf-8")
    assert run(project, "render").exit_code == 0
    robots = (project / "out" / "robots.txt").read_text(encoding="utf-8")
    assert robots == f"{expected}Sitemap: {SITE}sitemap.xml\n"
    settings.write_text(text, encoding="utf-8")  # asked no more: it goes
    assert run(project, "render").exit_code == 0
    assert not (project / "out" / "robots.txt").exists()


def test_a_robots_setting_of_another_kind_is_one_message(project: Path) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("feed_size = 20", "feed_size = 20\nrobots = 1"), "utf-8")
    line = text[: text.index("feed_size = 20")].count("\n") + 2
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (
        1,
        f"pyproject.toml:{line}: robots: expected true, false or the rules of robots.txt as "
        "text, got 1\n",
    )


# --- links that unfurl and cite ---------------------------------------------------------------


def test_the_issue_page_unfurls_as_an_article(rendered: Path) -> None:
    url = f"{SITE}{ISSUE_7}/"
    page = rendered / ISSUE_7 / "index.html"
    (graph,) = structured(page, url)["opengraph"]
    subtitle = (
        "Further China-Russia rapprochement rests on a pragmatic search for the relationship's "
        "own endogenous drivers, but a fractured world, hostile framing and thin economic "
        "foundations stand in its way."
    )
    assert graph["properties"] == [
        ("og:site_name", "ChinAffairs+"),
        ("og:type", "article"),
        ("og:title", "ZHANG Xin on Opportunities for Further China-Russia Rapprochement"),
        ("og:description", subtitle),
        ("og:url", url),
        ("article:published_time", "2024-10-14T00:00:00+00:00"),
        ("article:modified_time", "2024-10-14T00:00:00+00:00"),
        ("article:tag", "China-Russia"),
        ("article:tag", "Multipolarity"),
        ("article:tag", "Global Governance"),
    ]
    tags = dict(meta_tags(page))
    assert tags["twitter:card"] == "summary"  # no image: the small card
    assert (
        tags["twitter:title"] == "ZHANG Xin on Opportunities for Further China-Russia Rapprochement"
    )
    assert tags["twitter:description"] == subtitle
    assert "og:image" not in tags and "twitter:image" not in tags
    tree = lxml.html.fromstring(page.read_bytes())
    assert tree.xpath("//link[@rel='canonical']/@href") == [url]


def test_the_issue_page_names_the_presented_article_for_citation(rendered: Path) -> None:
    page = rendered / ISSUE_7 / "index.html"
    citation = [(k, v) for k, v in meta_tags(page) if k.startswith("citation_")]
    assert citation == [
        ("citation_title", "Opportunities for Further China-Russia Rapprochement"),
        ("citation_author", "ZHANG Xin"),
        ("citation_journal_title", "Russia in Global Affairs"),
        ("citation_publication_date", "2021"),
        ("citation_doi", "10.31278/1810-6374-2021-19-3-94-100"),
        (
            "citation_fulltext_html_url",
            "https://valdaiclub.com/a/highlights/china-and-russia-opportunities-and-threats/",
        ),
    ]
    # issue 6 names no date, DOI or URL: those tags are left out, never made up
    citation = [(k, v) for k, v in meta_tags(rendered / SAMPLE / "index.html") if "citation" in k]
    assert [k for k, _ in citation] == [
        "citation_title",
        "citation_author",
        "citation_journal_title",
    ]


def test_the_json_ld_describes_the_issue_and_its_scholarly_article(rendered: Path) -> None:
    url = f"{SITE}{ISSUE_7}/"
    (data,) = structured(rendered / ISSUE_7 / "index.html", url)["json-ld"]
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["@id"] == data["url"] == data["mainEntityOfPage"] == url
    assert data["headline"] == "ZHANG Xin on Opportunities for Further China-Russia Rapprochement"
    assert data["description"].startswith("Further China-Russia rapprochement rests on")
    assert (data["datePublished"], data["dateModified"]) == ("2024-10-14T00:00:00+00:00",) * 2
    assert data["inLanguage"] == "en"
    assert data["keywords"] == ["China-Russia", "Multipolarity", "Global Governance"]
    assert data["author"] == [
        {"@type": "Person", "name": "SUN Chenghao"},
        {"@type": "Person", "name": "ZHANG Xueyu"},
    ]
    assert data["publisher"] == {"@type": "Organization", "name": "ChinAffairs+", "url": SITE}
    assert data["isPartOf"] == {
        "@type": "PublicationIssue",
        "issueNumber": "7",
        "isPartOf": {"@type": "Periodical", "name": "ChinAffairs+", "url": SITE},
    }
    article = data["about"]
    assert article["@type"] == "ScholarlyArticle"
    assert (
        article["headline"]
        == article["name"]
        == ("Opportunities for Further China-Russia Rapprochement")
    )
    assert article["author"] == [{"@type": "Person", "name": "ZHANG Xin", "alternateName": "张昕"}]
    assert article["isPartOf"] == {
        "@type": "Periodical",
        "name": "Russia in Global Affairs",
        "alternateName": "Россия в глобальной политике",
    }
    assert article["datePublished"] == "2021"
    assert article["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "DOI",
        "value": "10.31278/1810-6374-2021-19-3-94-100",
    }
    assert article["sameAs"] == "https://doi.org/10.31278/1810-6374-2021-19-3-94-100"
    assert article["url"] == (
        "https://valdaiclub.com/a/highlights/china-and-russia-opportunities-and-threats/"
    )
    assert "image" not in data
    # issue 6: native names of the author and the journal, nothing it does not give
    (six,) = structured(rendered / SAMPLE / "index.html", f"{SITE}{SAMPLE}/")["json-ld"]
    assert six["about"]["author"] == [
        {"@type": "Person", "name": "ZHAO Long", "alternateName": "赵隆"}
    ]
    assert six["about"]["isPartOf"]["alternateName"] == "《俄罗斯研究》"
    assert not {"identifier", "sameAs", "url", "datePublished"} & set(six["about"])


def test_an_issue_with_an_image_unfurls_with_a_large_card(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = meta.SocialImage(f"{SITE}{SAMPLE}/lead-1200.jpg", "ZHAO Long at the podium")
    monkeypatch.setattr(meta, "social_image", lambda issue: image if issue.number == 6 else None)
    assert run(project, "render").exit_code == 0
    page = project / "out" / SAMPLE / "index.html"
    (graph,) = structured(page, f"{SITE}{SAMPLE}/")["opengraph"]
    properties = graph["properties"]
    assert ("og:image", image.url) in properties
    assert ("og:image:alt", image.alt) in properties
    tags = meta_tags(page)
    assert ("twitter:card", "summary_large_image") in tags
    assert ("twitter:image", image.url) in tags
    assert ("twitter:image:alt", image.alt) in tags
    (data,) = structured(page, f"{SITE}{SAMPLE}/")["json-ld"]
    assert data["image"] == image.url
    other = meta_tags(project / "out" / ISSUE_7 / "index.html")
    assert ("twitter:card", "summary") in other and not any(k == "og:image" for k, _ in other)


def test_listing_pages_unfurl_as_a_website(rendered: Path) -> None:
    for page, url, title in [
        (rendered / "index.html", SITE, "ChinAffairs+: archive"),
        (rendered / "tags" / "sco" / "index.html", f"{SITE}tags/sco/", "SCO"),
    ]:
        (graph,) = structured(page, url)["opengraph"]
        properties = dict(graph["properties"])
        assert properties["og:type"] == "website"
        assert (properties["og:url"], properties["og:title"]) == (url, title)
        assert properties["og:description"]
        assert dict(meta_tags(page))["twitter:card"] == "summary"
        assert lxml.html.fromstring(page.read_bytes()).xpath("//link[@rel='canonical']/@href") == [
            url
        ]
        assert structured(page, url)["json-ld"] == []


def test_json_ld_cannot_end_its_script_element(project: Path) -> None:
    set_front_matter(
        project / "issues" / f"{SAMPLE}.md",
        "subtitle",
        "'Trade </ Security & Growth < script > more'",  # text: markup is refused at its line
    )
    assert run(project, "render").exit_code == 0
    html = (project / "out" / SAMPLE / "index.html").read_text(encoding="utf-8")
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert "<" not in script and ">" not in script and "&" not in script
    assert json.loads(script)["description"] == "Trade </ Security & Growth < script > more"


# --- incremental ------------------------------------------------------------------------------

NEW_ISSUE = "008-arctic-silk-road"


def add_issue(project: Path, tags: str) -> Path:
    """Issue 8, a copy of issue 6 a fortnight later, with TAGS."""
    path = project / "issues" / f"{NEW_ISSUE}.md"
    shutil.copy(project / "issues" / f"{SAMPLE}.md", path)
    set_front_matter(path, "number", "8")
    set_front_matter(path, "date", "2024-10-21")
    set_front_matter(path, "tags", tags)
    set_front_matter(path, "title", "A Polar Silk Road")
    return path


def test_a_new_issue_rewrites_only_the_pages_that_list_it(project: Path) -> None:
    out = project / "out"
    build.render(project, out)
    before = snapshot(out)
    add_issue(project, "[China-Russia, Arctic]")
    report = build.render(project, out)
    after = snapshot(out)
    changed = set(report.changed) | set(report.removed)  # written, or removed (old index files)
    assert changed == {name for name in after if after[name] != before.get(name)} | {
        name for name in before if name not in after
    }
    outside = {name for name in changed if not name.startswith("pagefind/")}
    assert outside == {
        *(f"{NEW_ISSUE}/{name}" for name in ("index.html", "email.html", "email.txt", "email.eml")),
        "index.html",
        "feed.xml",
        "atom.xml",
        "feed.json",
        "sitemap.xml",
        *(
            f"tags/{slug}/{name}"
            for slug in ("arctic", "china-russia")
            for name in ("index.html", "feed.xml", "atom.xml", "feed.json")
        ),
    }
    # the search index of the year lists every issue of it: its files change, the old ones go
    assert any(name.startswith("pagefind/2024/index/") for name in changed)
    assert snapshot(out) == full_render(project)
    # an edit to issue 6 leaves the topics it is not in as they were
    edit = project / "issues" / f"{SAMPLE}.md"
    edit.write_text(
        edit.read_text("utf-8").replace("## Summary\n", "## Summary\n\nNew.\n"), "utf-8"
    )
    report = build.render(project, out)
    changed = set(report.changed) | set(report.removed)
    untouched = ("tags/arctic/", "tags/global-governance/", "tags/multipolarity/")
    assert not {name for name in changed if name.startswith(untouched)}
    assert "tags/sco/feed.xml" in changed and "tags/sco/index.html" not in changed


def test_a_topic_no_issue_carries_any_more_is_removed(project: Path) -> None:
    out = project / "out"
    add_issue(project, "[Arctic]")
    build.render(project, out)
    assert (out / "tags" / "arctic" / "index.html").is_file()
    (project / "issues" / f"{NEW_ISSUE}.md").unlink()
    report = build.render(project, out)
    assert not (out / "tags" / "arctic").exists()
    assert {f"tags/arctic/{n}" for n in ("index.html", "feed.xml", "atom.xml", "feed.json")} <= set(
        report.removed
    )
    assert snapshot(out) == full_render(project)  # the deleted issue's own folder is gone too


def test_an_edit_reads_again_only_its_own_text_for_the_search_index_and_the_topics(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The year's index is made again from the records the last render kept: only the edited
    issue's text is read, and no other issue is rendered for its topics' feeds."""
    from newsletter import content, search

    settings = project / "pyproject.toml"  # the feeds: issues 8 and 7; china-russia's: 7 and 6
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("feed_size = 20", "feed_size = 2"), encoding="utf-8")
    add_issue(project, "[Arctic]")
    out = project / "out"
    build.render(project, out)
    made: list[int] = []
    rendered: list[int] = []
    real_record, real_render = search.record, content.render_issue

    def counted_record(issue: Any) -> str:
        made.append(issue.number)
        return real_record(issue)

    def counted_render(issue: Any) -> Any:
        rendered.append(issue.number)
        return real_render(issue)

    monkeypatch.setattr(search, "record", counted_record)
    monkeypatch.setattr(content, "render_issue", counted_render)
    edit = project / "issues" / f"{ISSUE_7}.md"
    text = edit.read_text("utf-8").replace("## Summary\n", "## Summary\n\nZyzzyva.\n", 1)
    edit.write_text(text, "utf-8")
    report = build.render(project, out)
    assert made == [7]  # issue 6's record is the one kept
    assert rendered == []  # 6's feed body is kept for china-russia's feeds (7 is composed)
    assert "tags/china-russia/feed.xml" in report.changed
    assert any(name.startswith("pagefind/2024/") for name in report.changed)
    assert snapshot(out) == full_render(project)  # the same bytes as from nothing
    search_records = project / ".newsletter" / "out" / "search-2024.json"
    assert "Zyzzyva" in search_records.read_text("utf-8")


def test_damaged_search_records_are_ignored_with_one_line(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = project / "out"
    build.render(project, out)
    (project / ".newsletter" / "out" / "search-2024.json").write_text("{not json", "utf-8")
    edit = project / "issues" / f"{ISSUE_7}.md"
    edit.write_text(
        edit.read_text("utf-8").replace("## Summary\n", "## Summary\n\nNew.\n"), "utf-8"
    )
    build.render(project, out)
    damaged = [r.getMessage() for r in caplog.records if "search records" in r.getMessage()]
    assert len(damaged) == 1 and damaged[0].startswith("ignoring the damaged search records")
    assert snapshot(out) == full_render(project)
