"""The web: each issue's page ("view in browser"), the feed-entry body, and the archive index."""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from . import layouts
from .config import Settings
from .content import RenderedIssue
from .model import Issue


def page(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The issue's web page."""
    return layouts.render_issue(env, settings, "issue.html", rendered)


def article(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The issue's content without the page around it, for feed entries."""
    return layouts.render_issue(env, settings, "article.html", rendered)


def archive(env: jinja2.Environment, issues: Sequence[Issue], settings: Settings) -> str:
    """The archive index: every published issue, newest first."""
    return layouts.render(
        env, settings, "index.html", issues=issues, links=layouts.Links.of(settings)
    )
