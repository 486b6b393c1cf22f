"""The Markdown dialect of issues (CommonMark plus footnotes), and its rendering to HTML."""

from __future__ import annotations

import functools
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin


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


def to_html(source: str, base_url: str, doc_id: str = "") -> str:
    """Render a Markdown fragment to HTML with absolute links (raw HTML was rejected earlier)."""
    tokens, env = parse(source, doc_id)
    _absolutise(tokens, base_url)
    return parser().renderer.render(tokens, parser().options, env)


def inline_to_html(source: str) -> str:
    """Render one line of inline Markdown (a heading's text) to HTML, without a paragraph."""
    return parser().renderInline(source).strip()


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
