"""The publication's feeds: RSS 2.0 and Atom 1.0, built with feedgen, dated only by the issues."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr

from . import __version__
from .config import Settings
from .issues import Issue


def _generator(settings: Settings, entries: Sequence[tuple[Issue, str]], self_url: str) -> object:
    """A FeedGenerator with every date set from the issues (feedgen would stamp now())."""
    from feedgen.feed import FeedGenerator  # imported here: only a full render needs it

    name, email = parseaddr(settings.sender)
    editors = ", ".join(settings.editors) or name or settings.name
    fg = FeedGenerator()
    fg.id(settings.site_url)
    fg.title(settings.name)
    fg.subtitle(settings.tagline or settings.name)
    fg.link(href=self_url, rel="self")
    fg.link(href=settings.site_url, rel="alternate")  # feedgen makes the last link RSS's <link>
    fg.language(settings.language)
    fg.author({"name": editors, "email": email})
    fg.generator("newsletter", version=__version__)
    newest = max((issue.updated for issue, _ in entries), default=None)
    if newest is not None:
        fg.updated(newest)  # also the RSS lastBuildDate
        fg.pubDate(max(issue.date for issue, _ in entries))
    for issue, content in entries:  # newest first
        fe = fg.add_entry(order="append")
        fe.id(issue.id)
        fe.guid(issue.id, permalink=False)
        fe.title(issue.title)
        fe.link(href=issue.url, rel="alternate")
        fe.author({"name": editors, "email": email})
        fe.published(issue.date)
        fe.pubDate(issue.date)
        fe.updated(issue.updated)
        fe.summary(issue.subtitle or issue.title)
        fe.content(content, type="html")
        for tag in issue.tags:
            fe.category(term=tag)
    return fg


def rss(settings: Settings, entries: Sequence[tuple[Issue, str]]) -> bytes:
    """RSS 2.0: summary in description, the full issue in content:encoded."""
    fg = _generator(settings, entries, settings.url("feed.xml"))
    return bytes(fg.rss_str(pretty=True))  # type: ignore[attr-defined]


def atom(settings: Settings, entries: Sequence[tuple[Issue, str]]) -> bytes:
    """Atom 1.0, its `updated` the newest entry's."""
    fg = _generator(settings, entries, settings.url("atom.xml"))
    return bytes(fg.atom_str(pretty=True))  # type: ignore[attr-defined]
