"""The plain-text part, from the Markdown structure: wrapped by display width, links numbered."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from wcwidth import wcwidth

WIDTH = 72

# Line-breaking rules for text without spaces (Chinese, Japanese): a break may fall between two
# characters when one of them is wide, but never before closing or after opening punctuation.
NO_LINE_START = set("，。、；：！？）》」』】〉〕”’,.;:!?)]}…—%")
NO_LINE_END = set("（《「『【〈〔“‘([{")
# A URL is one unbreakable token even where it touches or contains wide characters.
URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|mailto:|www\.)\S+")


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: wide characters two, combining marks zero."""
    if text.isascii() and text.isprintable():  # the common case, without a call per character
        return len(text)
    return sum(max(wcwidth(char), 0) for char in text)


def _is_wide(char: str) -> bool:
    return wcwidth(char) == 2


def _atoms(word: str) -> list[str]:
    """Split a space-free word at the places where a line may break (between wide characters)."""
    url = URL.search(word)
    if url:  # the wide text just before a URL may break; the URL itself never does
        start = url.start()
        if start and not _is_wide(word[start - 1]):
            return [word]
        return [*(_atoms(word[:start]) if start else []), word[start:]]
    atoms = [word[0]]
    for before, char in itertools.pairwise(word):
        breakable = (
            (_is_wide(before) or _is_wide(char))
            and char not in NO_LINE_START
            and before not in NO_LINE_END
        )
        if breakable:
            atoms.append(char)
        else:
            atoms[-1] += char
    return atoms


def wrap(text: str, width: int = WIDTH, indent: str = "", hanging: str | None = None) -> list[str]:
    """Fill text into lines of at most WIDTH columns; a word or URL is never split."""
    hanging = indent if hanging is None else hanging
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if words and paragraph.isascii() and paragraph.isprintable():
            lines += _fill_ascii(words, width, indent, hanging)
            indent = hanging
            continue
        line, prefix, has_content = indent, indent, False
        used = display_width(line)  # the width of `line`, kept as it grows: wrapping stays linear
        for word in words:
            atoms = [word] if word.isascii() else _atoms(word)  # ASCII has no wide characters
            for position, atom in enumerate(atoms):
                glue = " " if position == 0 and has_content else ""
                size = display_width(atom)
                if has_content and used + len(glue) + size > width:
                    lines.append(line)
                    line, prefix, glue = hanging, hanging, ""
                    used = display_width(line)
                line += glue + atom
                used += len(glue) + size
                has_content = True
        if has_content or not lines or paragraph == "":
            lines.append(line if has_content else prefix.rstrip())
        indent = hanging
    return lines


def _fill_ascii(words: list[str], width: int, indent: str, hanging: str) -> list[str]:
    """`wrap` of one paragraph of printable ASCII: one column a character, no break inside a
    word, so a word's width is its length (most paragraphs: as filled as by `wrap`, faster)."""
    lines: list[str] = []
    line = indent + words[0]
    used = display_width(indent) + len(words[0])
    margin = display_width(hanging)
    for word in words[1:]:
        if used + 1 + len(word) > width:
            lines.append(line)
            line, used = hanging + word, margin + len(word)
        else:
            line += " " + word
            used += 1 + len(word)
    lines.append(line)
    return lines


@dataclass
class LinkRefs:
    """The numbered list of URLs of one email: each URL keeps the number it got first."""

    urls: list[str] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # a list search per link is quadratic

    def number(self, url: str) -> int:
        """The reference number of URL, adding it to the list when it is new."""
        if url not in self.numbers:
            self.urls.append(url)
            self.numbers[url] = len(self.urls)
        return self.numbers[url]


def _same_target(text: str, url: str) -> bool:
    """A link whose text is its own URL (or address) is printed once, inline."""
    bare = url.removeprefix("mailto:")
    return text.strip() in (url, bare, url.rstrip("/"), bare.split("://", 1)[-1])


def _inline(node: SyntaxTreeNode, refs: LinkRefs) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "link":
            label = _inline(child, refs)
            url = str(child.attrs.get("href", ""))
            parts.append(label if _same_target(label, url) else f"{label} [{refs.number(url)}]")
        elif kind == "image":
            alt = _inline(child, refs) or "image"
            parts.append(f"[{alt}] [{refs.number(str(child.attrs.get('src', '')))}]")
        elif kind == "footnote_ref":
            parts.append(f"[^{child.meta['id'] + 1}]")
        elif kind == "footnote_anchor":
            continue
        else:  # strong, em and other containers: their text, without markers
            parts.append(_inline(child, refs))
    return "".join(parts)


def _blocks(
    nodes: list[SyntaxTreeNode], refs: LinkRefs, width: int, tight: bool = False
) -> list[str]:
    """Render sibling blocks, separated by one blank line (none inside a tight list item)."""
    out: list[str] = []
    for node in nodes:
        lines = _block(node, refs, width)
        if not lines:
            continue
        if out and not tight:
            out.append("")
        out.extend(lines)
    return out


def _list_item_lines(
    item: SyntaxTreeNode, marker: str, refs: LinkRefs, width: int, tight: bool
) -> list[str]:
    pad = " " * display_width(marker)
    body = _blocks(item.children, refs, width - len(pad), tight)
    if not body:
        return [marker.rstrip()]
    return [(marker if i == 0 else pad) + line if line else "" for i, line in enumerate(body)]


def _block(node: SyntaxTreeNode, refs: LinkRefs, width: int) -> list[str]:
    kind = node.type
    if kind == "paragraph":
        return wrap(_inline(node.children[0], refs), width) if node.children else []
    if kind == "heading":
        title = _inline(node.children[0], refs)
        rule = {"h1": "=", "h2": "=", "h3": "-"}.get(node.tag)
        lines = wrap(title, width)
        if rule:
            lines.append(rule * min(width, max(display_width(line) for line in lines)))
        return lines
    if kind in ("bullet_list", "ordered_list"):
        tight = all(  # an empty item ('2.' alone) leaves the list tight, as in the HTML
            all(c.hidden for c in child.children if c.type == "paragraph")
            for child in node.children
        )
        start = int(str(node.attrs.get("start", 1)))
        markers = [
            f"{start + i}{item.markup or '.'} " if kind == "ordered_list" else "- "
            for i, item in enumerate(node.children)
        ]
        size = max(display_width(m) for m in markers) if markers else 0
        out: list[str] = []
        for marker, item in zip(markers, node.children, strict=True):
            if out and not tight:
                out.append("")
            out.extend(_list_item_lines(item, marker.ljust(size), refs, width, tight))
        return out
    if kind == "blockquote":
        inner = _blocks(node.children, refs, width - 2)
        return [f"> {line}" if line else ">" for line in inner]
    if kind in ("code_block", "fence"):
        # a blank line inside the code stays blank: no line of the plain text ends in spaces
        return [f"    {line}".rstrip() for line in node.content.rstrip().split("\n")]
    if kind == "hr":
        return ["* * *"]
    if kind == "footnote_block":
        notes: list[str] = []
        for note in node.children:
            marker = f"[^{note.meta['id'] + 1}] "
            notes.extend(_list_item_lines(note, marker, refs, width, tight=False))
        return ["-" * 10, *notes] if notes else []
    if kind in ("html_block",):  # rejected by validation; never reaches a reader
        return []
    return _blocks(node.children, refs, width)


def render(tokens: list[Token], refs: LinkRefs, width: int = WIDTH) -> str:
    """Plain text of parsed Markdown, blocks separated by blank lines, no trailing newline."""
    return "\n".join(_blocks(SyntaxTreeNode(tokens).children, refs, width))
