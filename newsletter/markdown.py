"""The Markdown dialect of issues (CommonMark plus footnotes), and its rendering to HTML."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from . import text

if TYPE_CHECKING:
    from .issues import Issue


@functools.cache
def parser() -> MarkdownIt:
    """The one Markdown parser. Raw HTML is parsed (html=True) only so validation can reject it."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).use(footnote_plugin)
    return md


def parse(source: str, doc_id: str = "") -> tuple[list[Token], dict[str, object]]:
    """Parse Markdown into block tokens and the environment that holds its footnotes."""
    env: dict[str, object] = {"docId": doc_id} if doc_id else {}
    return parser().parse(source, env), env


def _absolutise(tokens: list[Token], base_url: str) -> None:
    """Resolve relative link and image targets against the issue's own URL, in place."""
    for token in tokens:
        if token.children:
            _absolutise(token.children, base_url)
        for attr in ("href", "src"):
            value = token.attrGet(attr)
            if isinstance(value, str) and not value.startswith("#"):
                token.attrSet(attr, urljoin(base_url, value))


def inline_to_html(source: str) -> str:
    """Render one line of inline Markdown (a heading's text) to HTML, without a paragraph."""
    return str(parser().renderInline(source)).strip()


def plain(source: str) -> str:
    """The text of one line of inline Markdown, markup removed (for titles in text and feeds)."""
    tokens = parser().parseInline(source)
    parts: list[str] = []
    for token in tokens[0].children or []:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(token.content)
    return "".join(parts).strip()


# --- the render-Markdown stage: an Issue's content as HTML and as wrapped text ------------------


@dataclass(frozen=True)
class Fragment:
    """One piece of content, as HTML and as plain text."""

    html: str
    text: str


@dataclass(frozen=True)
class RenderedKeyPoint:
    """A key point, ready for the layouts."""

    title: str
    title_html: str
    body: Fragment


@dataclass(frozen=True)
class RenderedSection:
    """A section, ready for the layouts: its text before any key point, then its key points."""

    title: str
    title_html: str
    key: str
    intro: Fragment
    key_points: tuple[RenderedKeyPoint, ...]


@dataclass(frozen=True)
class RenderedIssue:
    """An issue with its Markdown rendered; `links` are the plain text's numbered references."""

    issue: Issue
    note: Fragment
    sections: tuple[RenderedSection, ...]
    links: tuple[str, ...]


def _fragment(source: str, base_url: str, doc_id: str, refs: text.LinkRefs) -> Fragment:
    tokens, env = parse(source, doc_id)
    _absolutise(tokens, base_url)
    html = str(parser().renderer.render(tokens, parser().options, env))
    return Fragment(html, text.render(tokens, refs))


def render_issue(issue: Issue) -> RenderedIssue:
    """Render the editor's note, every section and every key point, in reading order."""
    refs = text.LinkRefs()
    note = _fragment(issue.note, issue.url, "note", refs)
    sections = []
    for section in issue.sections:
        doc_id = re.sub(r"\W+", "-", section.key)
        intro = section.intro if section.key_points else section.body
        points = tuple(
            RenderedKeyPoint(
                plain(point.title),
                inline_to_html(point.title),
                _fragment(point.body, issue.url, f"{doc_id}-{n}", refs),
            )
            for n, point in enumerate(section.key_points, start=1)
        )
        sections.append(
            RenderedSection(
                plain(section.title),
                inline_to_html(section.title),
                section.key,
                _fragment(intro, issue.url, doc_id, refs),
                points,
            )
        )
    return RenderedIssue(issue, note, tuple(sections), tuple(refs.urls))
