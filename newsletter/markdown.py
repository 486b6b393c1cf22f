"""The Markdown dialect of issues: CommonMark plus footnotes, where only safe links are links.

The render stage (an issue's content as HTML and as text) is content.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

# Link and image targets an issue may have. Any other scheme (javascript:, vbscript:, data:,
# file:, an app's own) could run something in a reader's client: such a link is printed as text.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp"})
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
# Browsers ignore these anywhere in a URL ('java\tscript:' is javascript:), so the check does too.
IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


# Lists, quotes, links and emphasis nested deeper than this are an error: nobody writes them, and
# the parser and the renderers recurse once per level.
MAX_NESTING = 32
PRE = "white-space:pre-wrap"  # a code block's long lines wrap rather than widen the email


class _Parser(MarkdownIt):
    """CommonMark plus footnotes, where only web, mail and relative links are links."""

    def validateLink(self, url: str) -> bool:  # markdown-it's name for the hook
        """True for http(s), mailto, tel and ftp URLs and for relative ones; never javascript:."""
        scheme = SCHEME.match(IGNORED_IN_URLS.sub("", url))
        return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def _render_footnote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A footnote's list item carries its own number: a section's notes need not start at 1."""
    number = tokens[idx].meta["id"] + 1
    return f'<li id="fn{number}" class="footnote-item" value="{number}">'


def _render_pre(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A code block that wraps its long lines, even where a client drops the <style> element."""
    rule = RendererHTML.fence if tokens[idx].type == "fence" else RendererHTML.code_block
    return str(rule(self, tokens, idx, options, env)).replace("<pre>", f'<pre style="{PRE}">', 1)


def _render_footnote_caption(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """'[2]' for every reference to note 2 (the plugin writes '[2:1]' for the second one)."""
    return f"[{tokens[idx].meta['id'] + 1}]"


def _configured() -> MarkdownIt:
    """A new parser of the dialect, with its plugins and render rules."""
    md = _Parser("commonmark", {"html": True, "typographer": False, "maxNesting": 100})
    md.use(footnote_plugin, move_to_end=False)
    # An image's size may be given after it, ![A chart](https://…/wide.png){width=520}: nothing
    # but a width and a height, and after images only ({...} anywhere else stays text).
    md.use(attrs_plugin, after=("image",), allowed=("width", "height"))
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_caption", _render_footnote_caption)
    md.add_render_rule("fence", _render_pre)
    md.add_render_rule("code_block", _render_pre)
    return md


@functools.cache
def parser() -> MarkdownIt:
    """The one Markdown parser. Raw HTML is parsed (html=True) only so validation can reject it.

    Footnote definitions stay where they were written (move_to_end=False): `render_issue` numbers
    the notes across the whole issue and puts each one after the part that first refers to it.
    markdown-it silently drops what is nested deeper than maxNesting; validation rejects anything
    deeper than MAX_NESTING first, so nothing an editor wrote is ever lost.
    """
    return _configured()


@functools.cache
def _block_parser() -> MarkdownIt:
    """The same parser, stopping at the block structure: inline text is left as it was written."""
    return _configured().disable(["inline", "text_join"])


def parse(source: str) -> tuple[list[Token], dict[str, Any]]:
    """Parse Markdown into block tokens and the environment that holds its footnotes."""
    env: dict[str, Any] = {}
    return parser().parse(source, env), env


def parse_blocks(source: str) -> tuple[list[Token], dict[str, Any]]:
    """Parse Markdown's blocks alone: its `inline` tokens keep their text, without children,
    until `parse_inline` parses those that are needed. Most of a parse's time is inline."""
    env: dict[str, Any] = {}
    return _block_parser().parse(source, env), env


def parse_inline(token: Token, env: dict[str, Any]) -> None:
    """Parse one `inline` token of `parse_blocks`, in place, as a whole parse would have (ENV,
    from the same call, knows the footnotes the blocks define)."""
    token.children = []
    parser().inline.parse(token.content, parser(), env, token.children)


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
