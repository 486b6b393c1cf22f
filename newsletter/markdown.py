"""The Markdown dialect of issues (CommonMark plus footnotes), and its rendering to HTML."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from . import images, text

if TYPE_CHECKING:
    from .issues import Issue


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


@functools.cache
def parser() -> MarkdownIt:
    """The one Markdown parser. Raw HTML is parsed (html=True) only so validation can reject it.

    Footnote definitions stay where they were written (move_to_end=False): `render_issue` numbers
    the notes across the whole issue and puts each one after the part that first refers to it.
    markdown-it silently drops what is nested deeper than maxNesting; validation rejects anything
    deeper than MAX_NESTING first, so nothing an editor wrote is ever lost.
    """
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


def parse(source: str) -> tuple[list[Token], dict[str, Any]]:
    """Parse Markdown into block tokens and the environment that holds its footnotes."""
    env: dict[str, Any] = {}
    return parser().parse(source, env), env


def _absolutise(tokens: list[Token], base_url: str) -> None:
    """Resolve relative link targets against the issue's own URL, in place (images are placed
    by images.Placement: a relative one is a local file, with a URL of its own)."""
    for token in tokens:
        if token.children:
            _absolutise(token.children, base_url)
        value = token.attrGet("href")
        if isinstance(value, str) and not value.startswith("#"):
            token.attrSet("href", urljoin(base_url, value))


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
    pictures: tuple[images.Picture, ...] = ()  # the local images of its text, as placed


# --- footnotes: one numbering for the whole issue ----------------------------------------------


def _walk(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _split_definitions(tokens: list[Token]) -> tuple[list[Token], dict[str, list[Token]]]:
    """Take the footnote definitions (`[^x]: ...`) out of a token stream, by label."""
    body: list[Token] = []
    definitions: dict[str, list[Token]] = {}
    stack: list[tuple[str, list[Token]]] = []
    for token in tokens:
        if token.type == "footnote_reference_open":
            stack.append((str(token.meta["label"]), []))
        elif token.type == "footnote_reference_close":
            label, content = stack.pop()
            definitions.setdefault(label, content)  # the first definition of a label wins
        elif stack:
            stack[-1][1].append(token)
        else:
            body.append(token)
    return body, definitions


@dataclass
class _Footnotes:
    """An issue's notes, numbered in reading order across all its parts, whichever part holds
    the definition: a reference in the Summary may point to a note written at the very end."""

    definitions: dict[str, list[Token]]
    inline: dict[int, Any]  # ^[inline notes], by the plugin's id: their content and tokens
    numbers: dict[tuple[str, object], int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=list)
    keys: list[tuple[str, object]] = field(default_factory=list)

    def number_refs(self, tokens: Sequence[Token]) -> list[int]:
        """Number the references in TOKENS in place; return the numbers first seen here."""
        new: list[int] = []
        for token in _walk(tokens):
            if token.type != "footnote_ref":
                continue
            label = token.meta.get("label")
            key = ("label", label) if label is not None else ("inline", token.meta["id"])
            if key not in self.numbers:
                self.numbers[key] = len(self.keys)
                self.keys.append(key)
                self.counts.append(0)
                new.append(self.numbers[key])
            number = self.numbers[key]
            token.meta = {**token.meta, "id": number, "subId": self.counts[number]}
            self.counts[number] += 1
        return new

    def _note_tokens(self, number: int) -> list[Token]:
        kind, value = self.keys[number]
        if kind == "inline":
            note = self.inline[int(str(value))]
            inline = Token("inline", "", 0)
            inline.children = note["tokens"]
            inline.content = note["content"]
            return [Token("paragraph_open", "p", 1), inline, Token("paragraph_close", "p", -1)]
        return list(self.definitions.get(str(value), []))

    def block(self, numbers: list[int]) -> list[Token]:
        """The tokens of a list of notes, each with links back to its references."""
        if not numbers:
            return []
        tokens = [Token("footnote_block_open", "", 1)]
        queue = list(numbers)
        while queue:
            number = queue.pop(0)
            content = self._note_tokens(number)
            queue.extend(self.number_refs(content))  # a note may refer to another note
            opening = Token("footnote_open", "", 1)
            opening.meta = {"id": number}
            tokens.append(opening)
            last = content.pop() if content and content[-1].type == "paragraph_close" else None
            tokens.extend(content)
            for sub in range(max(self.counts[number], 1)):
                anchor = Token("footnote_anchor", "", 0)
                anchor.meta = {"id": number, "subId": sub}
                tokens.append(anchor)
            if last is not None:
                tokens.append(last)
            tokens.append(Token("footnote_close", "", -1))
        tokens.append(Token("footnote_block_close", "", -1))
        return tokens


def _parse_parts(sources: Sequence[str], base_url: str) -> list[list[Token]]:
    """Parse the parts of an issue, each followed by the notes it is the first to refer to."""
    labels: set[str] = set()
    for source in sources:  # first every label, so that a reference finds a later definition
        if "[^" in source:  # a part without it defines no note: no need to parse it twice
            labels.update(parse(source)[1].get("footnotes", {}).get("refs", {}))
    env: dict[str, Any] = {"footnotes": {"refs": dict.fromkeys(labels, -1), "list": {}}}
    bodies: list[list[Token]] = []
    definitions: dict[str, list[Token]] = {}
    for source in sources:
        tokens = parser().parse(source, env)
        _absolutise(tokens, base_url)
        body, found = _split_definitions(tokens)
        bodies.append(body)
        for label, content in found.items():
            definitions.setdefault(label, content)
    notes = _Footnotes(definitions, env["footnotes"]["list"])
    first_seen = [notes.number_refs(body) for body in bodies]
    return [body + notes.block(numbers) for body, numbers in zip(bodies, first_seen, strict=True)]


# --- the render-Markdown stage: an Issue's content as HTML and as wrapped text ------------------


def _fragment(tokens: list[Token], refs: text.LinkRefs) -> Fragment:
    html = str(parser().renderer.render(tokens, parser().options, {}))
    return Fragment(html, text.render(tokens, refs))


def render_issue(issue: Issue) -> RenderedIssue:
    """Render the editor's note, every section and every key point, in reading order."""
    sources, widths = [issue.note], [images.COLUMN]
    for section in issue.sections:
        sources.append(section.intro if section.key_points else section.body)
        sources.extend(point.body for point in section.key_points)
        widths += [images.COLUMN] + [images.KEY_POINT] * len(section.key_points)
    parsed = _parse_parts(sources, issue.url)
    placement = images.Placement.of(issue)
    for tokens, width in zip(parsed, widths, strict=True):
        placement.place(tokens, width)
    parts = iter(parsed)
    refs = text.LinkRefs()
    note = _fragment(next(parts), refs)
    sections = []
    for section in issue.sections:
        intro = _fragment(next(parts), refs)
        points = tuple(
            RenderedKeyPoint(
                plain(point.title), inline_to_html(point.title), _fragment(next(parts), refs)
            )
            for point in section.key_points
        )
        sections.append(
            RenderedSection(
                plain(section.title), inline_to_html(section.title), section.key, intro, points
            )
        )
    return RenderedIssue(issue, note, tuple(sections), tuple(refs.urls), tuple(placement.pictures))
