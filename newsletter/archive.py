"""The archive as a place to read: issues by year, a page and feeds per topic, the sitemap.

Every page here lists published issues, and is keyed on the hashes of the issues it lists: a new
issue rewrites the archive, the sitemap, the search index and the pages of its own topics, and
nothing else. `pages()` says what each page lists and how to render it; the pipeline decides
which of them are due (build.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

from .config import Settings

if TYPE_CHECKING:  # YAML, Markdown and Jinja only once a page is planned: see build.plan
    import jinja2

    from . import search
    from .model import Issue

TAGS_DIR = "tags"
FEED_NAMES = ("feed.xml", "atom.xml", "feed.json")
SITEMAP, ROBOTS = "sitemap.xml", "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PAGES = ("sitemap", "search")  # the archive's pages besides the topics

Body = Callable[["Issue"], str]  # an issue's content as a feed entry's body
Render = Callable[[Body], dict[str, bytes]]


@dataclass(frozen=True)
class Topic:
    """A tag and the published issues that carry it, newest first."""

    name: str
    slug: str
    issues: tuple[Issue, ...]

    @property
    def folder(self) -> str:
        """Its folder under out/: 'tags/china-russia'."""
        return f"{TAGS_DIR}/{self.slug}"

    def url(self, settings: Settings, name: str = "") -> str:
        """The absolute URL of its page (or of the file NAME in its folder), percent-encoded."""
        return settings.url(quote(f"{self.folder}/{name}"))


@dataclass(frozen=True)
class Year:
    """The issues of one year, newest first."""

    year: int
    issues: tuple[Issue, ...]


def topics_of(issues: Sequence[Issue]) -> list[Topic]:
    """Every tag of the ISSUES (newest first), A to Z; tags that differ only in case or
    punctuation are one topic, named as the newest issue spells it."""
    from .model import tag_slug

    found: dict[str, list[Issue]] = {}
    names: dict[str, str] = {}
    for issue in issues:
        for slug in dict.fromkeys(tag_slug(tag) for tag in issue.tags):  # 'SCO', 'sco': once
            names.setdefault(slug, next(t for t in issue.tags if tag_slug(t) == slug))
            found.setdefault(slug, []).append(issue)
    ordered = sorted(found, key=lambda slug: (names[slug].casefold(), slug))
    return [Topic(names[slug], slug, tuple(found[slug])) for slug in ordered]


def by_year(issues: Sequence[Issue]) -> list[Year]:
    """The ISSUES (newest first) grouped by the year of their date."""
    grouped: dict[int, list[Issue]] = {}
    for issue in issues:
        grouped.setdefault(issue.date.year, []).append(issue)
    return [Year(year, tuple(grouped[year])) for year in sorted(grouped, reverse=True)]


def w3c_date(moment: datetime) -> str:
    """'2024-10-07' for a plain date (midnight UTC in the model), else the full date-time."""
    if moment.time() == time(0) and moment.utcoffset() == timedelta(0):
        return moment.date().isoformat()
    return moment.isoformat()


def sitemap(settings: Settings, issues: Sequence[Issue]) -> bytes:
    """The sitemaps.org sitemap: the archive, every topic page and every issue page."""
    rows: list[tuple[str, datetime | None]] = []
    newest = max((issue.updated for issue in issues), default=None)
    rows.append((settings.site_url, newest))
    for topic in topics_of(issues):
        rows.append((topic.url(settings), max(issue.updated for issue in topic.issues)))
    rows += [(issue.url, issue.updated) for issue in issues]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for url, modified in rows:
        lastmod = f"<lastmod>{w3c_date(modified)}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(settings: Settings) -> bytes | None:
    """robots.txt when the settings ask for one: their rules (or 'allow all'), and the sitemap."""
    if settings.robots is False or settings.robots == "":
        return None
    rules = settings.robots if isinstance(settings.robots, str) else "User-agent: *\nAllow: /"
    return f"{rules.strip()}\n\nSitemap: {settings.url(SITEMAP)}\n".encode()


@dataclass(frozen=True)
class Page:
    """One page of the archive (or a set of files): what it is keyed on and how to render it."""

    name: str  # its key in the build state: 'tags/china-russia', 'sitemap', 'search'
    key: str  # a hash of everything it lists
    files: tuple[str, ...]  # what it writes under out/ (the search: what it wrote last)
    render: Render = field(compare=False)


def _key(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(b"%d:%s" % (len(part), part.encode()))
    return hasher.hexdigest()


def owns(name: str) -> bool:
    """Whether the file NAME under out/ is one the archive writes (and may so remove)."""
    from . import search

    return name.startswith((f"{TAGS_DIR}/", f"{search.BUNDLE}/")) or name in (
        SITEMAP,
        ROBOTS,
        search.SCRIPT,
    )


def topic_files(
    env: jinja2.Environment, settings: Settings, topic: Topic, body: Body
) -> dict[str, bytes]:
    """A topic's page, and its feeds of its newest `feed_size` issues (the main feeds' rules)."""
    from . import feeds, site

    entries = [feeds.Entry.of(issue, body(issue)) for issue in topic.issues[: settings.feed_size]]
    channel = feeds.Channel(
        f"{settings.name}: {topic.name}",
        f"Issues of {settings.name} on {topic.name}",
        topic.url(settings),
        f"{topic.folder}/",
    )
    return {
        f"{topic.folder}/index.html": site.topic(env, topic, settings).encode(),
        f"{topic.folder}/feed.xml": feeds.rss(settings, entries, channel),
        f"{topic.folder}/atom.xml": feeds.atom(settings, entries, channel),
        f"{topic.folder}/feed.json": feeds.json_feed(settings, entries, channel),
    }


def page_of(name: str) -> str:
    """The page of the archive that writes the file NAME (one it owns)."""
    from . import search

    if name.startswith(f"{TAGS_DIR}/"):
        return name.rsplit("/", 1)[0]
    if search.bundle_of(name):
        return f"search/{search.bundle_of(name)}"
    return "search" if name in (search.SCRIPT, search.YEARS) else "sitemap"


def nothing(body: Body) -> dict[str, bytes]:
    """The render of a page with no file: a key the build state keeps."""
    return {}


def _not_planned(body: Body) -> dict[str, bytes]:
    raise RuntimeError("a page of the archive was rendered without being planned")


def recorded(keys: Mapping[str, str], written: Iterable[str]) -> list[Page]:
    """The archive's pages as the last render recorded them (KEYS of its pages, the files it
    WROTE): what stands when no issue they list changed. They are not rendered again."""
    files: dict[str, list[str]] = {}
    for name in sorted(written):
        if owns(name):
            files.setdefault(page_of(name), []).append(name)
    names = [name for name in keys if name.startswith((f"{TAGS_DIR}/", "search/")) or name in PAGES]
    return [Page(name, keys[name], tuple(files.get(name, ())), _not_planned) for name in names]


def stale(before: Iterable[str], after: Collection[str], out_dir: Path) -> list[str]:
    """The archive's files under OUT_DIR written BEFORE and not AFTER (a topic no issue carries
    any more, an old search index), and any other file in out/pagefind/, which is the index's."""
    from . import search

    found = {name for name in before if owns(name) and name not in after}
    bundle = out_dir / search.BUNDLE
    if bundle.is_dir():
        for path in bundle.rglob("*"):
            name = path.relative_to(out_dir).as_posix()
            if path.is_file() and name not in after:
                found.add(name)
    return sorted(found)


def pages(
    settings: Settings,
    env: jinja2.Environment,
    site: str,
    listed: Sequence[tuple[str, Issue]],
    written: Iterable[str],
) -> list[Page]:
    """The topic pages, the sitemap and the search index of the LISTED published issues, each
    given with the hash of its inputs, newest first; SITE hashes the settings, layouts and code.
    WRITTEN: the files the last render wrote. A year's search index is rendered only once its
    Pagefind run is given (`indexed`)."""
    from . import search

    keys = {issue.path: key for key, issue in listed}
    issues = [issue for _, issue in listed]
    everything = _key(site, *(keys[issue.path] for issue in issues))
    found = []
    for topic in topics_of(issues):
        files = tuple(f"{topic.folder}/{name}" for name in ("index.html", *FEED_NAMES))
        key = _key(site, topic.name, *(keys[issue.path] for issue in topic.issues))
        render = functools.partial(topic_files, env, settings, topic)
        found.append(Page(topic.folder, key, files, render))

    def site_files(body: Body) -> dict[str, bytes]:
        files = {SITEMAP: sitemap(settings, issues)}
        rules = robots(settings)
        if rules is not None:
            files[ROBOTS] = rules
        return files

    names = (SITEMAP, ROBOTS) if robots(settings) is not None else (SITEMAP,)
    found.append(Page("sitemap", everything, names, site_files))
    # The search index, a Pagefind bundle per year: an edit indexes again the issues of its
    # year only, and the search box searches every year's.
    version = search.version()
    years = by_year(issues)
    numbers = [year.year for year in years]
    box = functools.partial(search.box, settings, numbers)
    files = (search.SCRIPT, search.YEARS)
    found.append(Page("search", _key(site, version, *map(str, numbers)), files, lambda _: box()))
    bundles = sorted(name for name in written if search.bundle_of(name))
    for year in years:
        key = _key(site, version, *(keys[issue.path] for issue in year.issues))
        bundle = tuple(name for name in bundles if search.bundle_of(name) == str(year.year))
        found.append(Page(f"search/{year.year}", key, bundle, _not_planned))
    return found


def indexed(shelf: Sequence[Page], indexing: Mapping[str, search.Indexing]) -> list[Page]:
    """SHELF with the search index of each year in INDEXING ('2024': its Pagefind run, started)
    ready to render."""

    def bundle(year: str, body: Body) -> dict[str, bytes]:
        return indexing[year].bundle()

    return [
        replace(page, render=functools.partial(bundle, page.name.partition("/")[2]))
        if page.name.startswith("search/") and page.name.partition("/")[2] in indexing
        else page
        for page in shelf
    ]
