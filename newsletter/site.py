"""The web: each issue's page ("view in browser"), the feed-entry body, the archive, the topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from . import layouts, meta
from .archive import Topic, by_year, topics_of
from .config import Settings
from .content import RenderedIssue
from .model import Issue, tag_slug

# Where each kind of page is, seen from the site's root: the search box's script is there.
ISSUE_ROOT, TOPIC_ROOT = "../", "../../"


@dataclass(frozen=True)
class TopicLink:
    """A tag of an issue, and the address of its topic's page."""

    name: str
    url: str


def page(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The issue's web page."""
    issue = rendered.issue
    topics = [TopicLink(tag, Topic(tag, tag_slug(tag), ()).url(settings)) for tag in issue.tags]
    about = meta.issue_page(settings, issue, meta.social_image(issue))
    return layouts.render_issue(
        env, settings, "issue.html", rendered, meta=about, topics=topics, root=ISSUE_ROOT
    )


def article(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The issue's content without the page around it, for feed entries."""
    return layouts.render_issue(env, settings, "article.html", rendered)


def archive(env: jinja2.Environment, issues: Sequence[Issue], settings: Settings) -> str:
    """The archive: the topics, then every published issue by year, newest first."""
    title = f"{settings.name}: archive"
    return layouts.render(
        env,
        settings,
        "index.html",
        issues=issues,
        count=len(issues),
        years=by_year(issues),
        topics=topics_of(issues),
        links=layouts.Links.of(settings),
        meta=meta.listing_page(settings, title, settings.tagline or title, settings.site_url),
        root="",
    )


def topic(env: jinja2.Environment, topic: Topic, settings: Settings) -> str:
    """A topic's page: its issues by year, and its feeds."""
    count = len(topic.issues)
    description = (
        f"{count} {'issue' if count == 1 else 'issues'} of {settings.name} on {topic.name}"
    )
    return layouts.render(
        env,
        settings,
        "topic.html",
        topic=topic,
        years=by_year(topic.issues),
        links=layouts.Links.of(settings),
        meta=meta.listing_page(settings, topic.name, description, topic.url(settings)),
        root=TOPIC_ROOT,
    )
