"""The publication's feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, dated only by the issues.

All three carry the same entries, newest first, and follow the W3C feed validator's rules: ids
that never change, RFC 822 dates in RSS and RFC 3339 dates elsewhere, a self link, the summary
before the full content, and no relative URL in the content.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from . import __version__, images
from .config import Settings
from .model import Issue

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
RSS, ATOM = "application/rss+xml", "application/atom+xml"
# Links inside an issue to its own footnotes: absolute in feeds, where a reader shows the entry
# away from its page (RSS has no base URL, and Atom's would be the feed's own).
SAME_PAGE_LINK = re.compile(r'(\s(?:href|src)=")#')
# The inline styles of the issue's HTML (an image's size, a code block's wrapping) are for the
# email; a feed reader styles an entry itself, and the feed validator flags them.
INLINE_STYLE = re.compile(r' style="[^"]*"')


@dataclass(frozen=True)
class Entry:
    """One issue as a feed entry: the issue, and its content as HTML with absolute links."""

    issue: Issue
    content: str

    @classmethod
    def of(cls, issue: Issue, content: str) -> Entry:
        """An entry whose links to its own page's anchors point to the issue's web page, without
        the inline styles meant for mail clients."""
        content = INLINE_STYLE.sub("", content)
        return cls(issue, SAME_PAGE_LINK.sub(rf"\1{issue.url}#", content))

    @property
    def summary(self) -> str:
        """The issue's deck, or its title when it has none."""
        return self.issue.subtitle or self.issue.title


@dataclass(frozen=True)
class Channel:
    """What a feed follows: the whole publication, or one topic of it."""

    title: str
    description: str
    home: str  # the absolute URL of the page the feed follows; also the feed's id
    folder: str = ""  # where its files are under out/: '' or 'tags/china-russia/'

    @classmethod
    def main(cls, settings: Settings) -> Channel:
        """The publication's own feeds, beside the archive."""
        return cls(settings.name, settings.tagline or settings.name, settings.site_url)

    def url(self, settings: Settings, name: str) -> str:
        """The absolute URL of the feed file NAME."""
        return settings.url(quote(self.folder + name))


def _no_entries_date() -> datetime:
    """The date of a feed with no entry: SOURCE_DATE_EPOCH, else the epoch, never the clock."""
    seconds = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(seconds) if seconds.isdigit() else 0, UTC)


def _rfc822_date(moment: datetime) -> datetime:
    """The date as RSS writes it: an offset in whole or half hours is kept, any other is made UTC
    (the validator flags '+0545' as a problematical RFC 822 zone)."""
    offset = moment.utcoffset() or timedelta(0)
    return moment if offset.seconds % 1800 == 0 else moment.astimezone(UTC)


def _authors(settings: Settings) -> tuple[str, str]:
    """The feeds' author: the editors' names (or the sender's), and the sender's address."""
    name, email = parseaddr(settings.sender)
    return ", ".join(settings.editors) or name or settings.name, email


def _generator(
    settings: Settings, entries: Sequence[Entry], channel: Channel, name: str, kind: str
) -> object:
    """A FeedGenerator with every date set from the issues (feedgen would stamp now())."""
    from feedgen.feed import FeedGenerator  # imported here: only a full render needs it

    # feedgen keeps one date for RSS's pubDate and Atom's published (and one for lastBuildDate
    # and updated), so each feed gets its own generator with the dates written its own way.
    when = _rfc822_date if kind == RSS else (lambda moment: moment)
    editors, email = _authors(settings)
    fg = FeedGenerator()
    fg.id(channel.home)
    fg.title(channel.title)
    fg.subtitle(channel.description)
    fg.link(href=channel.url(settings, name), rel="self", type=kind)
    fg.link(href=channel.home, rel="alternate", type="text/html")  # RSS's <link>: the last
    fg.language(settings.language)
    fg.author({"name": editors, "email": email} if email else {"name": editors})
    fg.generator("newsletter", version=__version__)
    newest = max((entry.issue.updated for entry in entries), default=_no_entries_date())
    fg.updated(when(newest))  # also the RSS lastBuildDate
    fg.pubDate(when(max((e.issue.date for e in entries), default=newest)))
    if kind == RSS and any(entry.issue.image for entry in entries):
        fg.load_extension("media", atom=False, rss=True)  # its namespace only when it is used
    if kind == ATOM:
        fg.register_extension("image_link", _NoNamespace, _ImageLink, atom=True, rss=False)
    for entry in entries:  # newest first
        issue = entry.issue
        fe = fg.add_entry(order="append")
        fe.id(issue.id)
        fe.guid(issue.id, permalink=False)
        fe.title(issue.title)
        fe.link(href=issue.url, rel="alternate", type="text/html")
        fe.author({"name": editors, "email": email} if email else {"name": editors})
        fe.published(when(issue.date))  # also the RSS pubDate
        fe.updated(when(issue.updated))
        fe.summary(entry.summary)  # Atom: text
        fe.description(html.escape(entry.summary, quote=False))  # RSS: HTML, before the content
        fe.content(entry.content, type="html")
        for tag in issue.tags:
            fe.category(term=tag)
        if issue.image:
            _image(fe, issue.image, kind)
    return fg


def _image(fe: Any, picture: images.Picture, kind: str) -> None:
    """The issue's image: media:content in RSS (an enclosure would need its length in bytes),
    a link rel="enclosure" in Atom."""
    if kind == RSS:
        content = {"url": picture.url, "medium": "image", "type": picture.mime}
        if picture.width and picture.height:
            content |= {"width": str(picture.width), "height": str(picture.height)}
        fe.media.content(group=None, **{key: value for key, value in content.items() if value})
    else:
        fe.image_link.picture = picture


class _NoNamespace:
    """A feedgen extension that adds nothing to the feed itself."""

    def extend_ns(self) -> dict[str, str]:
        """No namespace of its own."""
        return {}

    def extend_atom(self, element: Any) -> Any:
        """The element as it is."""
        return element

    def extend_rss(self, element: Any) -> Any:
        """The element as it is."""
        return element


class _ImageLink(_NoNamespace):
    """An Atom entry's link rel="enclosure" to the issue's image (feedgen's own entry links
    lose their rel and type, and a second alternate link would be invalid)."""

    picture: images.Picture | None = None

    def extend_atom(self, element: Any) -> Any:
        """The entry with the link added."""
        from feedgen.util import xml_elem

        if self.picture is not None:
            link = xml_elem("link", element, href=self.picture.url, rel="enclosure")
            if self.picture.mime:
                link.set("type", self.picture.mime)
        return element


def rss(settings: Settings, entries: Sequence[Entry], channel: Channel | None = None) -> bytes:
    """RSS 2.0: summary in description, the full issue in content:encoded."""
    fg = _generator(settings, entries, channel or Channel.main(settings), "feed.xml", RSS)
    return bytes(fg.rss_str(pretty=True))  # type: ignore[attr-defined]


def atom(settings: Settings, entries: Sequence[Entry], channel: Channel | None = None) -> bytes:
    """Atom 1.0, its `updated` the newest entry's."""
    fg = _generator(settings, entries, channel or Channel.main(settings), "atom.xml", ATOM)
    return bytes(fg.atom_str(pretty=True))  # type: ignore[attr-defined]


def json_feed(
    settings: Settings, entries: Sequence[Entry], channel: Channel | None = None
) -> bytes:
    """JSON Feed 1.1: the same entries, ids and dates as the RSS and Atom feeds."""
    channel = channel or Channel.main(settings)
    _, email = _authors(settings)
    names = settings.editors or (parseaddr(settings.sender)[0] or settings.name,)
    author_url = f"mailto:{email}" if email else settings.site_url
    authors = [{"name": name, "url": author_url} for name in names]
    items = []
    for entry in entries:
        issue = entry.issue
        item: dict[str, object] = {
            "id": issue.id,
            "url": issue.url,
            "title": issue.title,
            "summary": entry.summary,
            "content_html": entry.content,
            "date_published": issue.date.isoformat(),
            "date_modified": issue.updated.isoformat(),
            "authors": authors,
        }
        if issue.article.url:
            item["external_url"] = issue.article.url  # the article the issue presents
        if issue.image:
            item["image"] = issue.image.url
        if issue.tags:
            item["tags"] = list(issue.tags)
        items.append(item)
    feed = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": channel.url(settings, "feed.json"),
        "description": channel.description,
        "language": settings.language,
        "authors": authors,
        "items": items,
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
