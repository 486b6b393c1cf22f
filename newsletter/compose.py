"""One issue's files: its web page, email, plain text, MIME message and redirect pages.

The one place that composes them, for `render`, `check`, `serve` and `send` alike. The CSS of the
email is inlined in between (`Draft.document`), so that a render of one issue can hand that step
to a worker that has imported premailer while this process read the issue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import jinja2

from . import email, layouts, site
from .config import Settings
from .content import RenderedIssue, render_issue
from .model import Issue

log = logging.getLogger(__name__)

ISSUE_FILES = ("index.html", "email.html", "email.txt", "email.eml")


@dataclass(frozen=True)
class Draft:
    """An issue rendered but for its email's CSS inlining."""

    issue: Issue
    content: RenderedIssue
    page: str
    article: str  # the content without the page around it: a feed entry's body
    text: str
    document: str  # the email before inlining
    redirects: dict[str, str]  # the page of each earlier slug (alias) -> its document


@dataclass(frozen=True)
class IssueFiles:
    """One issue's files, by path under out/, with its feed body and the email's two parts."""

    issue: Issue
    files: dict[str, bytes]
    article: str
    html: str
    text: str

    @property
    def names(self) -> tuple[str, ...]:
        """The paths of its files, sorted."""
        return tuple(sorted(self.files))

    def written(self, in_feeds: bool) -> Written:
        """What a render keeps of these files once they are on their way to disk (the feed body
        only of an issue the feeds list)."""
        return Written(self.names, self.article if in_feeds else "")


@dataclass(frozen=True)
class Written:
    """An issue's files as the build state records them: their paths, and its feed body. A
    render keeps this of every issue it renders, not the files: for a whole archive, those would
    be every email of it in memory at once."""

    names: tuple[str, ...]
    article: str


def prepare(env: jinja2.Environment, settings: Settings, issue: Issue) -> Draft:
    """Render ISSUE's Markdown and every layout, but for the email's CSS inlining."""
    log.info("rendering %s", issue.path)
    content = render_issue(issue)
    redirects = {
        f"{alias}/index.html": layouts.render(env, settings, "redirect.html", issue=issue)
        for alias in issue.aliases
    }
    return Draft(
        issue,
        content,
        site.page(env, content, settings),
        site.article(env, content, settings),
        email.render_text(env, content, settings),
        email.render_document(env, content, settings),
        redirects,
    )


def finish(draft: Draft, settings: Settings, inlined: str) -> IssueFiles:
    """The issue's files, given its email with the CSS INLINED."""
    html = email.with_merge_tags(inlined, settings)
    folder = draft.issue.out_dir
    files = {
        f"{folder}/index.html": draft.page.encode(),
        f"{folder}/email.html": html.encode(),
        f"{folder}/email.txt": draft.text.encode(),
        f"{folder}/email.eml": email.message(draft.content, settings, draft.text, html),
    }
    files.update((name, page.encode()) for name, page in draft.redirects.items())
    return IssueFiles(draft.issue, files, draft.article, html, draft.text)


def compose(
    env: jinja2.Environment,
    settings: Settings,
    issue: Issue,
    inline: Callable[[str], str] | None = None,
) -> IssueFiles:
    """Every file of ISSUE, its email's CSS inlined by INLINE (premailer, by default)."""
    from .inline import inline_css  # imported here: premailer only when an email is inlined

    draft = prepare(env, settings, issue)
    return finish(draft, settings, (inline or inline_css)(draft.document))
