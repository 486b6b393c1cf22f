"""The render-Markdown stage: an issue's content as HTML and as wrapped plain text.

Footnotes are numbered across the whole issue, and every relative link is resolved against the
issue's own URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from markdown_it.token import Token

from . import images, text
from .markdown import inline_to_html, parse_blocks, parser, plain
from .model import Issue


def _absolutise(tokens: list[Token], base_url: str) -> None:
    """Resolve relative link targets against the issue's own URL, in place (images are placed
    by images.Placement: a relative one is a local file, with a URL of its own)."""
    for token in tokens:
        if token.children:
            _absolutise(token.children, base_url)
        value = token.attrGet("href")
        if isinstance(value, str) and not value.startswith("#"):
            token.attrSet("href", urljoin(base_url, value))


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
        if "[^" in source:  # a part without it defines no note; definitions are blocks
            labels.update(parse_blocks(source)[1].get("footnotes", {}).get("refs", {}))
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
