"""The benchmark's archive, as newsletter and the peers read it (the timings are not tested)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from newsletter.bench.archive import make_project, mjml_documents, pelican_articles
from newsletter.config import load_settings
from newsletter.issues import read_issue

from .conftest import ROOT

SEED = ROOT.parent / "shared" / "bench" / "seed-issue.mjml"


def test_the_archive_is_valid_issues(tmp_path: Path) -> None:
    paths = make_project(ROOT, tmp_path / "project", 4)
    settings = load_settings(tmp_path / "project")
    for path in paths:
        issue, problems = read_issue(path, settings)
        assert issue is not None and problems == [], problems
        assert 2000 < len(path.read_text(encoding="utf-8").split()) < 3500


def test_the_peers_read_the_same_issues(tmp_path: Path) -> None:
    project = tmp_path / "project"
    paths = make_project(ROOT, project, 3)
    assert mjml_documents(project, SEED, tmp_path / "mjml") == 3
    assert pelican_articles(project, tmp_path / "pelican") == 3
    settings = load_settings(project)
    seed = SEED.read_text(encoding="utf-8")
    for path in paths:
        issue, _ = read_issue(path, settings)
        assert issue is not None
        document = (tmp_path / "mjml" / f"{issue.slug}.mjml").read_text(encoding="utf-8")
        root = etree.fromstring(document.encode())  # well-formed, as MJML parses it
        assert root.tag == "mjml"
        assert root.findtext("mj-head/mj-title") == issue.title
        assert f"Issue {issue.number}<" in document
        assert document.endswith(seed[seed.index("<mj-divider") :].replace(
            'href="https://example.org/006/"', f'href="{issue.url}"'
        ))  # fmt: skip
        headings = [h.text for h in root.iter("h2")]
        assert headings == [section.title for section in issue.sections]
        last_sentence = issue.sections[0].body.rstrip(".").rsplit(". ", 1)[-1]
        assert last_sentence in "".join(root.itertext())
        article = (tmp_path / "pelican" / f"{issue.slug}.md").read_text(encoding="utf-8")
        metadata, body = article.split("\n\n", 1)
        assert f"Title: {issue.title}" in metadata.split("\n")
        assert f"Slug: {issue.slug}" in metadata.split("\n")
        assert path.read_text(encoding="utf-8").endswith(body)
