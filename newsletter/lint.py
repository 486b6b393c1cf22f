"""Pre-flight checks of an issue and its rendered email, as a hosted service runs before sending."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from markdown_it.token import Token

from . import images, markdown
from .config import Settings
from .errors import Problem
from .issues import front_matter_end
from .model import Issue

KB = 1024
GMAIL_CLIP = 102 * KB  # Gmail cuts the message off here and hides the rest behind a link
GMAIL_STYLE = 16 * KB  # Gmail drops a <style> block larger than this, media queries and all
SUBJECT_MIN, SUBJECT_MAX = 10, 78  # shorter looks like spam; longer is cut off in most inboxes

# 'TK' is the journalists' mark for "to come"; the scaffold of `newsletter new` writes its
# hints as 'TK: ...'. Upper case only, as whole words, so 'TODOs' in prose is left alone.
PLACEHOLDER = re.compile(r"\b(TK|TKTK|TODO|FIXME|XXX)\b|lorem ipsum|\[insert [^\]]*\]", re.I)
_UPPER_ONLY = {"tk", "tktk", "todo", "fixme", "xxx"}
SAFE_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class EmailSize:
    """How big an issue's email is, against Gmail's limits."""

    html: int
    style: int

    def __str__(self) -> str:
        return (
            f"email.html {self.html / KB:.1f} KB (Gmail clips over {GMAIL_CLIP // KB} KB), "
            f"<style> {self.style / KB:.1f} KB (Gmail drops it over {GMAIL_STYLE // KB} KB)"
        )


class _EmailParser(HTMLParser):
    """Collects what the checks look at in the final HTML: styles, links and images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.styles: list[str] = []
        self.hrefs: list[str] = []
        self.images_without_alt: list[str] = []  # no alt attribute at all: from a layout
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        elif tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"] or "")
        elif tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


def _body_start(lines: list[str]) -> int:
    """The index of the first line after the front matter (validation made sure it is closed)."""
    end = front_matter_end(lines)
    return len(lines) if end is None else end + 1


def _key_line(lines: list[str], *keys: str) -> int:
    """The line of the first front matter KEY found, for messages about its value."""
    front = lines[: _body_start(lines)]
    for key in keys:
        for number, line in enumerate(front, start=1):
            if re.match(rf"{key}\s*:", line):
                return number
    return 1


def _placeholders(lines: list[str]) -> list[tuple[int, str]]:
    """(line, word) of the first placeholder on each line that has one."""
    found = []
    for number, line in enumerate(lines, start=1):
        for match in PLACEHOLDER.finditer(line):
            word = match.group(0)
            if word.casefold() not in _UPPER_ONLY or word.isupper():
                found.append((number, word))
                break
    return found


@dataclass(frozen=True)
class _Target:
    """A link or image written in the issue's Markdown."""

    line: int
    kind: Literal["link", "image"]
    url: str
    alt: str = ""
    width: str = ""  # an image's, as given after it: ![…](…){width=520}


def _with_inline_notes(children: Iterable[Token], notes: dict[int, Any]) -> Iterator[Token]:
    """The tokens of a paragraph, each inline note's ('^[...]') where it is written: the
    parser keeps their tokens apart, in its footnote list."""
    for child in children:
        yield child
        if child.type == "footnote_ref":
            yield from notes.get(child.meta["id"], {}).get("tokens", ())


def _targets(lines: list[str]) -> list[_Target]:
    """Every link and image of the issue's body, with the line it is written on."""
    start = _body_start(lines)
    tokens, env = markdown.parse_blocks("\n".join(lines[start:]))
    found: list[_Target] = []
    for token in tokens:
        # a link or an image starts with '[' or '<' (an autolink): other text needs no parse
        if (
            token.type != "inline"
            or not token.map
            or not ("[" in token.content or "<" in token.content)
        ):
            continue
        markdown.parse_inline(token, env)
        notes = env.get("footnotes", {}).get("list", {})  # with this text's inline notes
        first, last = start + token.map[0], start + token.map[1]
        for child in _with_inline_notes(token.children or (), notes):
            if child.type not in ("link_open", "image"):
                continue
            url = str(child.attrGet("href" if child.type == "link_open" else "src") or "")
            # a paragraph spans lines: name the one the target is written on, searching on from
            # the previous one (from the paragraph's start each time is quadratic in links)
            line = next((n for n in range(first, last) if url and url in lines[n]), first)
            first = line
            kind: Literal["link", "image"] = "link" if child.type == "link_open" else "image"
            width = str(child.attrGet("width") or "")
            found.append(_Target(line + 1, kind, url, child.content, width))
    return found


def check_email(
    issue: Issue, settings: Settings, html: str, text: str
) -> tuple[EmailSize, list[Problem]]:
    """Every pre-flight problem of one issue and its rendered email, and the email's size."""
    lines = (settings.root / issue.path).read_text(encoding="utf-8-sig").split("\n")
    problems: list[Problem] = []

    def error(line: int, message: str) -> None:
        problems.append(Problem(issue.path, line, message))

    def warning(line: int, message: str) -> None:
        problems.append(Problem(issue.path, line, message, "warning"))

    parsed = _EmailParser()
    parsed.feed(html)
    size = EmailSize(len(html.encode("utf-8")), sum(len(s.encode("utf-8")) for s in parsed.styles))
    if size.html > GMAIL_CLIP:
        error(
            1,
            f"email.html is {size.html / KB:.1f} KB: Gmail clips messages over "
            f"{GMAIL_CLIP // KB} KB; shorten the issue or trim the layout",
        )
    # The layout's problems are the same for every issue: build.check reports each once.
    if size.style > GMAIL_STYLE:
        problems.append(
            Problem(
                "layouts/style.css",
                1,
                f"the email's <style> is {size.style / KB:.1f} KB: Gmail drops it over "
                f"{GMAIL_STYLE // KB} KB, and with it the mobile and dark-mode rules; "
                "trim the stylesheet",
                "warning",
            )
        )

    tag = settings.merge_tags.unsubscribe
    kept = {
        "email.html": ("the email", tag in parsed.hrefs, '<a href="{{ links.unsubscribe }}">'),
        "email.txt": ("the plain-text part", tag in text, "{{ links.unsubscribe }}"),
    }
    for name, (part, found, how) in kept.items():
        if not found:
            message = (
                f"{part} has no unsubscribe link ({settings.service}'s merge tag {tag!r}): "
                f"keep {how} in this layout or one it includes"
            )
            problems.append(Problem(f"layouts/{name}", 1, message))
    for src in parsed.images_without_alt:
        message = (
            f'an image has no alt text{f" ({src})" if src else ""}: add alt="..." in this '
            "layout or one it includes"
        )
        problems.append(Problem("layouts/email.html", 1, message))

    for target in _targets(lines):
        scheme = urlsplit(target.url).scheme.casefold()
        if target.kind == "image" and not target.alt.strip():
            error(
                target.line,
                f"image {target.url} has no alt text: describe it, as in ![what it shows](...)",
            )
        if not target.url:
            error(target.line, f"{target.kind} with no URL: give it a full https:// URL")
        elif target.kind == "image" and images.is_local(target.url):
            pass  # a file in issues/images/, checked when the issue was read
        elif target.kind == "image" and not target.width.isdigit() and scheme in ("http", "https"):
            warning(
                target.line,
                f"image {target.url}: its size is unknown, and Outlook shows an image as wide "
                f"as its file: give the width to show it at, as in "
                f"![{target.alt or '...'}]({target.url}){{width={images.COLUMN}}}, or save a "
                f"copy in issues/images/ and write images/NAME",
            )
        elif not scheme:
            warning(
                target.line,
                f"relative {target.kind} {target.url!r} becomes "
                f"{urljoin(issue.url, target.url)} in the email: write the full https:// URL",
            )
        elif scheme not in SAFE_SCHEMES or (target.kind == "image" and scheme == "mailto"):
            error(
                target.line,
                f"{target.kind} to {target.url!r}: mail clients follow only https:// "
                "(and mailto:) links; use a web address",
            )

    if issue.image and not issue.image_alt:
        error(
            _key_line(lines, "image"),
            "image: add 'image_alt:', a description of the image for readers who cannot see it",
        )

    if not issue.is_draft:
        for line, word in _placeholders(lines):
            error(
                line,
                f"placeholder {word!r} left in a published issue: write the text, "
                "or keep 'status: draft' until it is done",
            )

    length = len(issue.subject)
    if length < SUBJECT_MIN:
        advice = f"make it at least {SUBJECT_MIN}, or it reads as a fragment"
    elif length > SUBJECT_MAX:
        advice = f"keep it to {SUBJECT_MAX} or fewer, or inboxes cut it off (set 'subject:')"
    if not SUBJECT_MIN <= length <= SUBJECT_MAX:
        warning(
            _key_line(lines, "subject", "title"),
            f"the subject is {length} characters long: {advice}",
        )
    return size, problems
