"""Reading issue files: front matter and sections, checked and turned into a frozen Issue model."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from markdown_it.token import Token

from . import images, markdown
from .across import READ_AS_ISSUES, across, missing_section, strays, unknown_section
from .across import repeated as repeated  # where build.verify found it before across.py
from .config import SectionSpec, Settings, did_you_mean, normalise_title
from .errors import InvalidInput, Problem
from .images import Picture, Source
from .model import Article, Author, Issue, KeyPoint, Section, tag_slug
from .stamp import FileHashes

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DOI = re.compile(r"10\.\d{4,9}/\S+")
# A feed id is an absolute URI in ASCII (RFC 3986); a tag URI follows RFC 4151, with the lowercase
# authority the feed validator asks for: 'tag:example.org,2024-10-07:issue-6'.
URI_CHARS = r"[A-Za-z0-9;/?:@&=+$.\-_!~*'()%,]"
URI = re.compile(rf"[a-z][a-z0-9+.-]*:(?://)?{URI_CHARS}+(?:#{URI_CHARS}*)?")
TAG_URI = re.compile(
    r"tag:(?:[a-z0-9._+-]+@)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    rf",\d{{4}}(?:-\d{{2}}(?:-\d{{2}})?)?:{URI_CHARS}*(?:#{URI_CHARS}*)?"
)
# Characters that XML (so feeds, and the HTML parsers) cannot carry: C0 controls but tab and line
# ends, and the two non-characters. A NUL in an issue is a paste from a binary file.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
KEY_POINTS = normalise_title("Key Points")
# Front matter is text: what a browser or a feed reader would take for a tag ('<b>', '</i>',
# '<!--', '<?x') is an error; a lone '<' ("Trade < Security") stays text.
MARKUP = re.compile(r"<[A-Za-z/!?][^<>]*>")
# So is an HTML entity ('&amp;', '&#8212;'): a feed reader would show the character, a page the
# entity's text. A lone '&' ("Security & Growth") stays text.
ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
NO_TAG = "write the value as plain text, without a '!!' tag"
# Folders of out/ that the archive itself uses: an issue named so would be written over them.
RESERVED_SLUGS = frozenset({"tags", "pagefind"})
# An article's publication date as it is usually known: a year, a month or a day.
ARTICLE_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


# --- front matter ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, so a bad one gets our own message."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# libyaml's parser, where PyYAML has it: the same YAML read about eight times faster.
_FAST: type[yaml.CSafeLoader] | None = None
if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        """_Loader's YAML, parsed by libyaml (C)."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST = _CLoader


def _compose(front: str) -> yaml.Node | None:
    """The front matter's node tree. libyaml parses front matter of printable text (tabs, line
    and paragraph separators are not); PyYAML's own parser parses the rest, and again whatever
    libyaml refuses or has an empty value in (libyaml marks it on another line), so that a
    problem is always reported in PyYAML's words and at its lines."""
    if _FAST is not None and all(line.isprintable() for line in front.split("\n")):
        try:
            node = _FAST(front).get_single_node()
        except yaml.YAMLError:
            node = None
        else:
            if not _has_empty_value(node):
                return node
    return _Loader(front).get_single_node()


def _has_empty_value(root: yaml.Node | None) -> bool:
    """Whether a node tree holds an empty plain scalar ('key:' with nothing after it). Each node
    is looked at once: an alias ('*a') is the node it names, not a copy (YAML bombs)."""
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if node is None:
            return True
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style:
            return True
        if isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(part for pair in node.value for part in pair)
    return False


class _Unreadable:
    """The value of a key that YAML could not give (an alias, a bad tag): its error is reported
    where it is written, and the checks of that key say nothing more."""


_UNREADABLE = _Unreadable()


@dataclass(frozen=True)
class Field:
    """A front matter value and the line it was written on."""

    value: Any
    line: int


FRONT_MATTER: dict[str, bool] = {  # key -> required
    "number": True,
    "date": True,
    "title": True,
    "subtitle": False,
    "subject": False,
    "preheader": False,
    "tags": False,
    "status": False,
    "id": False,
    "updated": False,
    "aliases": False,
    "image": False,
    "image_alt": False,
    "article": True,
}
ARTICLE_KEYS: dict[str, bool] = {
    "title": True,
    "authors": True,
    "publication": True,
    "publication_native": False,
    "url": False,
    "doi": False,
    "date": False,
}
AUTHOR_KEYS: dict[str, bool] = {"name": True, "name_native": False, "photo": False}


class _FileChecker:
    """Collects the problems of one file while its parts are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.lines: list[str] = []  # the file's text, for hints that quote what was written

    def line_text(self, line: int) -> str:
        """The text of LINE (1-based), or '' before the file is read."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def warning(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "warning"))

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _control(value: str) -> str:
    """'U+0001' for the first control character in VALUE, or '' when it has none."""
    found = CONTROL.search(value)
    return f"U+{ord(found.group()):04X}" if found else ""


def _fields(
    node: yaml.Node, first_line: int, check: _FileChecker, seen: set[int], at: int = 0
) -> Any:
    """Turn a YAML node tree into plain values, mappings as dicts of Field with line numbers.

    AT is the line of the key whose value NODE is: an alias's node is the one it names, written
    elsewhere."""
    line = node.start_mark.line + first_line
    if id(node) in seen:  # an alias: '*a' repeated a thousand times must not expand
        message = "front matter: aliases ('*name') are not supported; write the value out"
        check.error(at or line, message)
        return _UNREADABLE
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Field] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + first_line
            if not isinstance(key_node, yaml.ScalarNode):
                check.error(key_line, "front matter: keys must be plain names")
                continue
            key = str(key_node.value)
            if key in mapping:
                check.error(key_line, f"{key}: repeated key (first at line {mapping[key].line})")
                continue
            mapping[key] = Field(_fields(value_node, first_line, check, seen, key_line), key_line)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            Field(_fields(item, first_line, check, seen), item.start_mark.line + first_line)
            for item in node.value
        ]
    try:
        return _Loader("").construct_object(node)
    except yaml.YAMLError as exc:  # a tag it cannot make a value of: '!!binary x'
        # its text without the mark, which would quote the line on lines of its own
        check.error(line, f"front matter: {getattr(exc, 'problem', None) or exc}; {NO_TAG}")
    # PyYAML's constructors fail so on a value their explicit tag does not fit ('!!float x',
    # '!!bool x', "!!int ''", '!!timestamp x'), and Python on an integer of over 4,300 digits
    except (ValueError, KeyError, IndexError, AttributeError):
        tag, value = str(node.tag).rsplit(":", 1)[-1], str(node.value)
        if tag == "int" and len(value) > sys.get_int_max_str_digits():
            check.error(line, "front matter: a number too long to read")
        else:
            check.error(line, f"front matter: {value[:40]!r} is not a valid {tag}; {NO_TAG}")
    return _UNREADABLE


def _split_front_matter(text: str, check: _FileChecker) -> tuple[str, int, str, int] | None:
    """Return (yaml, its first line, body, the body's first line), or None with an error."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        check.error(
            1,
            "no front matter: the file must start with a line '---', then the "
            "issue's number, date and title, then another '---'",
        )
        return None
    end = front_matter_end(lines)
    if end is None:
        check.error(1, "front matter is not closed: add a line '---' after it")
        return None
    return "\n".join(lines[1:end]), 2, "\n".join(lines[end + 1 :]), end + 2


def front_matter_end(lines: list[str]) -> int | None:
    """The index of the line that closes the front matter ('---' or '...'); None if none does."""
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index
    return None


def _parse_date(raw: Any, key: str, line: int, check: _FileChecker) -> datetime | None:
    """An ISO date (midnight UTC) or an ISO date-time with an offset."""
    if raw is _UNREADABLE:
        return None
    value = raw if isinstance(raw, str) else ""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\S+", value):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment
            message = f"{key}: a date-time needs an offset, as in '{value}+00:00', got {value!r}"
            check.error(line, message)
            return None
    except ValueError:
        pass
    check.error(line, f"{key}: expected YYYY-MM-DD, got {_shape(raw)}")
    return None


def _text(
    fields: dict[str, Field],
    key: str,
    check: _FileChecker,
    *,
    where: int,
    prefix: str = "",
    required: bool = False,
) -> str:
    """A single-line string value; line breaks inside it are folded to spaces."""
    field = fields.get(key)
    if field is not None and field.value is _UNREADABLE:
        return ""
    if field is None:
        if required:
            check.error(where, f"missing required key '{prefix}{key}'")
        return ""
    written = _VALUE.match(check.line_text(field.line))
    comment = _comment_in_value(check.line_text(field.line)) if written else ""
    if field.value is None:
        # 'title: #8 ...': all YAML sees is a comment (after 'doi:' it may well be meant as one)
        if comment and written and (required or key in PROSE):
            message = (
                f"{prefix}{key}: no value: a '#' after a space starts a comment in YAML; put "
                f"the value in quotes, as in {key}: {_quoted(written[1])}"
            )
            (check.error if required else check.warning)(field.line, message)
        elif required:
            check.error(field.line, f"{prefix}{key}: must not be empty")
        return ""
    if comment and written and key in PROSE and written[1][:1] not in "\"'[{|>":
        check.warning(
            field.line,
            f"{prefix}{key}: YAML ends the value before ' {comment}' (a comment); if the "
            f"'#' is part of it, put the value in quotes, as in {key}: {_quoted(written[1])}",
        )
    if not isinstance(field.value, str | int | float) or isinstance(field.value, bool):
        check.error(field.line, f"{prefix}{key}: expected text, got {_shape(field.value)}")
        return ""
    value = " ".join(str(field.value).split())
    if _control(value):
        check.error(
            field.line, f"{prefix}{key}: control character {_control(value)} is not allowed"
        )
        return ""
    if required and not value:
        check.error(field.line, f"{prefix}{key}: must not be empty")
    _check_text(value, f"{prefix}{key}", field.line, check)
    return value


def _check_text(value: str, name: str, line: int, check: _FileChecker) -> None:
    """Tag-like markup in a front matter value is an error, worded like the body's raw HTML."""
    found = MARKUP.search(value)
    if found:
        check.error(
            line,
            f"{name}: raw HTML is not allowed in front matter: {found.group()[:40]!r}; "
            "write plain text",
        )
        return
    entity = ENTITY.search(value)
    if entity and html.unescape(entity.group()) != entity.group():
        check.error(
            line,
            f"{name}: HTML entity {entity.group()!r} in front matter: write the character "
            f"itself ({html.unescape(entity.group())!r})",
        )


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _unknown_keys(
    fields: dict[str, Field], known: dict[str, bool], prefix: str, check: _FileChecker
) -> None:
    for key, field in fields.items():
        if key not in known:
            hint = did_you_mean(key, list(known))
            check.error(field.line, f"unknown key '{prefix}{key}'{hint}")


def _mapping(field: Field | None, key: str, where: int, check: _FileChecker) -> dict[str, Field]:
    if field is None:
        check.error(where, f"missing required key '{key}'")
        return {}
    if field.value is _UNREADABLE:
        return {}
    if not isinstance(field.value, dict):
        check.error(field.line, f"{key}: expected a mapping of keys, got {_shape(field.value)}")
        return {}
    return field.value


# (value, key, line) -> the picture, or None with an error reported
Pictures = Callable[[str, str, int], Picture | None]


def _article(fields: dict[str, Field], check: _FileChecker, photo: Pictures) -> Article:
    where = fields["article"].line if "article" in fields else 1
    raw = _mapping(fields.get("article"), "article", where, check)
    if not raw:
        return Article("", (), "")
    _unknown_keys(raw, ARTICLE_KEYS, "article.", check)
    authors: list[Author] = []
    authors_field = raw.get("authors")
    if authors_field is not None and authors_field.value is _UNREADABLE:
        pass
    elif (
        authors_field is None
        or not isinstance(authors_field.value, list)
        or not authors_field.value
    ):
        line = authors_field.line if authors_field else where
        check.error(line, "article.authors: list at least one author, each with a 'name'")
    else:
        for index, item in enumerate(authors_field.value):
            prefix = f"article.authors[{index + 1}]."
            if item.value is _UNREADABLE:
                continue
            if not isinstance(item.value, dict):
                check.error(item.line, f"{prefix[:-1]}: expected 'name:' (and 'name_native:')")
                continue
            _unknown_keys(item.value, AUTHOR_KEYS, prefix, check)
            portrait = _text(item.value, "photo", check, where=item.line, prefix=prefix)
            line = item.value["photo"].line if "photo" in item.value else item.line
            authors.append(
                Author(
                    _text(item.value, "name", check, where=item.line, prefix=prefix, required=True),
                    _text(item.value, "name_native", check, where=item.line, prefix=prefix),
                    photo(portrait, f"{prefix}photo", line) if portrait else None,
                )
            )
    url = _text(raw, "url", check, where=where, prefix="article.")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        check.error(raw["url"].line, f"article.url: expected an absolute http(s) URL, got {url!r}")
    doi = _text(raw, "doi", check, where=where, prefix="article.")
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    if doi and not DOI.fullmatch(doi):
        check.error(
            raw["doi"].line, f"article.doi: expected a DOI such as '10.1234/abcd', got {doi!r}"
        )
    published = _text(raw, "date", check, where=where, prefix="article.")
    if published and not ARTICLE_DATE.fullmatch(published):
        check.error(
            raw["date"].line,
            f"article.date: expected YYYY, YYYY-MM or YYYY-MM-DD, got {published!r}",
        )
    return Article(
        title=_text(raw, "title", check, where=where, prefix="article.", required=True),
        authors=tuple(authors),
        publication=_text(raw, "publication", check, where=where, prefix="article.", required=True),
        publication_native=_text(raw, "publication_native", check, where=where, prefix="article."),
        url=url,
        doi=doi,
        date=published,
    )


# --- YAML's errors, said in terms of what to do ---------------------------------------------------

# A quoted string in a line of YAML, so that what is inside it is not taken for syntax.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'')
# A '#' that starts a token starts a comment: after a space, or a flow list's '[', '{' or ','.
_COMMENT = re.compile(r"(?<=[\s\[{,])#")
_VALUE = re.compile(r"\s*(?:-\s+)?[^\s:][^:]*:\s*(.*?)\s*$")  # what follows a key
PROSE = frozenset({"title", "subtitle", "subject", "preheader"})  # never meant to hold a comment
_KEY_VALUE = re.compile(r"\s*(?:-\s+)?([^\s#:'\"\[{][^:]*?):\s+(\S.*?)\s*$")


def _comment_in_value(line: str) -> str:
    """The '#word' that YAML takes for the start of a comment after a value on LINE, or ''."""
    if line.lstrip().startswith("#"):  # a comment line of its own: meant as one
        return ""
    unquoted = _QUOTED.sub(lambda m: " " * len(m.group()), line)
    found = _COMMENT.search(unquoted)
    return re.split(r"[\s,\]}]", line[found.start() :])[0] if found else ""


def _quoted(value: str) -> str:
    """VALUE as a YAML quoted string: double quotes, or single ones when it has double quotes."""
    if '"' in value:
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\") + '"'


def _yaml_error(exc: yaml.MarkedYAMLError, lines: list[str], first: int) -> tuple[int, str]:
    """The line of a YAML syntax error (LINES start at line FIRST), and what to do about it.

    PyYAML says what its parser met ('mapping values are not allowed here'); the usual causes
    are an unquoted ': ' or ' #' in a value, a tab in the indentation, and an unclosed quote.
    """
    mark = exc.problem_mark or exc.context_mark
    at = mark.line if mark else 0
    start = exc.context_mark.line if exc.context and exc.context_mark else None
    problem = exc.problem or str(exc)
    message = f"front matter: YAML syntax error: {problem}"

    def text(index: int | None) -> str:
        return lines[index] if index is not None and 0 <= index < len(lines) else ""

    if exc.context == "while scanning a quoted scalar" and start is not None and exc.context_mark:
        quote = text(start)[exc.context_mark.column : exc.context_mark.column + 1] or '"'
        return first + start, (
            f"front matter: YAML syntax error: the quote {quote} that starts this value is "
            f"never closed: end the value with {quote}"
        )
    if problem.startswith("found character '\\t'") and mark is not None:
        if text(at)[: mark.column].strip():
            return first + at, "front matter: YAML syntax error: a tab: YAML separates with spaces"
        return (
            first + at,
            "front matter: YAML syntax error: a tab in the indentation: indent with spaces",
        )
    for index in (at, start):
        word = _comment_in_value(text(index))
        if word and index is not None:
            return first + index, (
                f"{message}: a '#' after a space starts a comment in YAML; put a value "
                f"with '#' in quotes, as in {_quoted(word)}"
            )
    pair = _KEY_VALUE.match(text(at))
    if problem == "mapping values are not allowed here":
        example = f", as in {pair[1]}: {_quoted(pair[2])}" if pair else ""
        return first + at, f"{message}: put a value with ': ' in quotes{example}"
    if problem.startswith("expected <block end>") and pair and pair[2][0] in "\"'":
        return first + at, (
            f"{message}: a value that starts with a quote ends with it; to quote part of "
            f"it, put the whole value in quotes, as in {pair[1]}: {_quoted(pair[2])}"
        )
    if start is not None and start != at:
        message += f" ({exc.context} that starts at line {first + start})"
        if exc.context in ("while parsing a flow sequence", "while parsing a flow mapping"):
            opener = "[" if "sequence" in exc.context else "{"
            message += (
                f": a value that starts with '{opener}' is a "
                f"{'list' if opener == '[' else 'mapping'} in YAML; put text in quotes"
            )
    return first + at, message


# --- the body ---------------------------------------------------------------------------------


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _depth(tokens: Iterable[Token]) -> int:
    """How deeply inline tokens nest: opening and closing ones in a flat list, and an image's
    alt text as its children (bounded by the parser's maxNesting, so the recursion is too)."""
    depth = deepest = 0
    for token in tokens:
        depth += token.nesting
        inner = depth + 1 + _depth(token.children) if token.children else depth
        deepest = max(deepest, inner)
    return deepest


def _check_markup(tokens: list[Token], offset: int, check: _FileChecker) -> bool:
    """Raw HTML is rejected: an issue is data, and HTML in it could run in a reader's client.
    So is nesting deeper than MAX_NESTING (then False: the parser may have dropped the rest)."""
    too_deep = next(
        (
            token
            for token in tokens
            if token.map and token.level + _depth(token.children or ()) > markdown.MAX_NESTING
        ),
        None,
    )
    if too_deep and too_deep.map:
        check.error(
            offset + too_deep.map[0],
            f"lists, quotes, links or emphasis nested more than {markdown.MAX_NESTING} "
            "levels deep: flatten them",
        )
    line, reported = offset, set()
    for token in _walk(tokens):
        if token.map:
            line = offset + token.map[0]
        if token.type in ("html_block", "html_inline") and line not in reported:
            reported.add(line)  # one message per line: '<b>x</b>' is one mistake, not two
            snippet = token.content.strip().splitlines()[0][:40] if token.content.strip() else ""
            check.error(
                line, f"raw HTML is not allowed in an issue: {snippet!r}; write it in Markdown"
            )
    return too_deep is None


def _may_hold_markup(token: Token) -> bool:
    """Whether an `inline` token's text could hold raw HTML or nest too deeply once parsed.

    Raw HTML starts with '<'; every level of inline nesting opens with a '*', '_', '[' or '<'
    (emphasis, links, images, autolinks), so text with fewer of them cannot nest deeper than
    MAX_NESTING. Only such text needs the inline parse here; content.py parses it all."""
    text = token.content
    if "<" in text:
        return True
    openers = text.count("*") + text.count("_") + text.count("[")
    return token.level + openers > markdown.MAX_NESTING


def _parse_for_checks(body: str) -> list[Token]:
    """The body's blocks, and inline only the text that `_check_markup` must look into."""
    tokens, env = markdown.parse_blocks(body)
    for token in tokens:
        if token.type == "inline" and _may_hold_markup(token):
            markdown.parse_inline(token, env)
    return tokens


def _sections(
    body: str, offset: int, specs: tuple[SectionSpec, ...], check: _FileChecker
) -> tuple[str, tuple[Section, ...]]:
    """Split the body at its `##` headings, then check them against the template."""
    lines = body.split("\n")
    tokens = _parse_for_checks(body)
    if not _check_markup(tokens, offset, check):
        return "", ()
    headings = [
        (i, t)
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2" and t.level == 0 and t.map
    ]
    ends = [t.map[0] for _, t in headings[1:] if t.map] + [len(lines)] * bool(headings)
    note_end = headings[0][1].map[0] if headings and headings[0][1].map else len(lines)
    note = "\n".join(lines[:note_end]).strip()

    sections: list[Section] = []
    for (index, token), end in zip(headings, ends, strict=True):
        assert token.map is not None
        title = tokens[index + 1].content.strip()
        start = token.map[1]
        section_body = "\n".join(lines[start:end]).strip()
        key = normalise_title(markdown.plain(title))
        section = Section(title, key, section_body, offset + token.map[0])
        if key == KEY_POINTS:
            section = _key_points(section, tokens, lines, (start, end), offset, check)
        sections.append(section)

    # a section missing at the end is reported at the last line written, not the one after it
    _check_template(
        sections,
        specs,
        offset + body.rstrip().count("\n"),
        check,
        _level_one(tokens, offset, specs, check),
    )
    return note, tuple(sections)


def _level_one(
    tokens: list[Token], offset: int, specs: tuple[SectionSpec, ...], check: _FileChecker
) -> set[str]:
    """A level-1 heading ('# Summary') is the issue's title's level: say to use '## '. Returns
    the template's sections written so, whose 'missing section' message would point nowhere."""
    keys = {spec.key for spec in specs}
    found: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h1" or token.level or not token.map:
            continue
        title = tokens[index + 1].content.strip()
        key = normalise_title(markdown.plain(title))
        written = f"'# {title}'" if token.markup == "#" else f"'{title}' underlined with '='"
        message = f"{written} is a level-1 heading: a section starts with '## ', as in '## {title}'"
        if key in keys:
            found.add(key)
            check.error(offset + token.map[0], message)
        else:
            check.warning(offset + token.map[0], message)
    return found


def _key_points(
    section: Section,
    tokens: list[Token],
    lines: list[str],
    span: tuple[int, int],
    offset: int,
    check: _FileChecker,
) -> Section:
    """Each `###` inside Key Points (lines SPAN of the body that TOKENS parse) starts one."""
    start, end = span
    heads = [
        (i, t)
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
        and t.tag == "h3"
        and t.level == 0
        and t.map
        and start <= t.map[0] < end
    ]
    if not heads:
        if section.body:
            check.error(
                section.line,
                f"section '{section.title}' has no key point: start each one with a '### ' heading",
            )
        return section
    ends = [t.map[0] for _, t in heads[1:] if t.map] + [end]
    points = tuple(
        KeyPoint(
            tokens[i + 1].content.strip(),
            "\n".join(lines[t.map[1] : stop]).strip(),
            offset + t.map[0],
        )
        for (i, t), stop in zip(heads, ends, strict=True)
        if t.map
    )
    first = heads[0][1].map
    intro = "\n".join(lines[start : first[0]]).strip() if first else ""
    return Section(section.title, section.key, section.body, section.line, intro, points)


def _check_template(
    sections: list[Section],
    specs: tuple[SectionSpec, ...],
    last_line: int,
    check: _FileChecker,
    misheaded: set[str],  # sections written as '# Title': reported already
) -> None:
    """Missing, empty, repeated or out-of-order sections are errors; unknown ones warnings."""
    order = {spec.key: index for index, spec in enumerate(specs)}
    titles = [spec.title for spec in specs]
    first_seen: dict[str, Section] = {}
    latest: Section | None = None
    for section in sections:
        if section.key not in order:
            check.warning(section.line, unknown_section(section.title, titles))
            continue
        if section.key in first_seen:
            check.error(
                section.line,
                f"section '{section.title}' is repeated "
                f"(first at line {first_seen[section.key].line})",
            )
            continue
        first_seen[section.key] = section
        if not section.body:
            check.error(section.line, f"section '{section.title}' is empty")
        if latest is not None and order[section.key] < order[latest.key]:
            check.error(
                section.line,
                f"section '{section.title}' is out of order: the "
                f"template puts it before '{latest.title}'",
            )
        else:
            latest = section
    for index, spec in enumerate(specs):
        if spec.required and spec.key not in first_seen and spec.key not in misheaded:
            after = [first_seen[s.key].line for s in specs[index + 1 :] if s.key in first_seen]
            check.error(min(after, default=last_line), missing_section(spec.title))


# --- images ------------------------------------------------------------------------------------


def _picture(
    settings: Settings, slug: str, check: _FileChecker, value: str, key: str, line: int
) -> Picture | None:
    """The image named by front matter KEY: a file in issues/images/ or an http(s) URL. An
    author's photo is a square beside the byline; the issue's image, the email's whole width."""
    square = key.endswith(".photo")
    width = images.PHOTO if square else images.LEAD
    if images.is_local(value):
        try:
            source = images.inspect(settings.issues_dir, settings.root, value)
        except images.Refused as exc:
            check.error(line, f"{key}: {exc}")
            return None
        return images.local(source, settings.url(f"{slug}/"), slug, width, square)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        check.error(
            line,
            f"{key}: expected a file in issues/images/ (written 'images/NAME') or an https:// "
            f"URL, got {value!r}",
        )
        return None
    return images.remote(value, width, width if square else 0, at_most=width)


def _body_images(
    body: str, offset: int, settings: Settings, check: _FileChecker
) -> tuple[Source, ...]:
    """The local images the body shows, each checked: missing, too big or of a format mail
    clients cannot show is an error at the line the image is written on."""
    tokens, env = markdown.parse(body)
    lines = body.split("\n")
    found: dict[str, Source] = {}
    refused: set[str] = set()
    for token, block in images.image_tokens(tokens, env):
        src = str(token.attrGet("src") or "")
        if not src or not images.is_local(src) or src in found or src in refused:
            continue
        written = (src, unquote(src))
        line = next(
            (n for n in range(block, len(lines)) if any(w in lines[n] for w in written)), block
        )
        try:
            found[src] = images.inspect(settings.issues_dir, settings.root, src)
        except images.Refused as exc:
            refused.add(src)
            check.error(offset + line, f"image {src!r}: {exc}")
    return tuple(found.values())


# --- one file, then all of them ------------------------------------------------------------------


def read_issue(path: Path, settings: Settings) -> tuple[Issue | None, list[Problem]]:
    """Read and check one issue file: the Issue (None when it has errors) and every problem."""
    shown = (
        path.relative_to(settings.root).as_posix()
        if path.is_relative_to(settings.root)
        else str(path)
    )
    check = _FileChecker(shown)
    if not SLUG.fullmatch(path.stem):
        check.error(
            1,
            f"file name '{path.name}': the slug must be lowercase letters, digits "
            "and hyphens, as in '006-zhao-long-china-russia.md'",
        )
    elif path.stem in RESERVED_SLUGS:
        check.error(
            1,
            f"file name '{path.name}': out/{path.stem}/ is the archive's own folder; "
            "rename the file",
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        check.error(line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8")
        return None, check.problems
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    check.lines = text.split("\n")
    if not text.strip():
        check.error(1, "the file is empty: an issue starts with front matter between '---' lines")
        return None, check.problems
    control = CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - text.rfind("\n", 0, control.start())
        check.error(
            line,
            f"control character {_control(control.group())} at column {column}: an issue is "
            "plain text; remove it",
        )
        return None, check.problems

    parts = _split_front_matter(text, check)
    if parts is None:
        return None, check.problems
    front, front_line, body, body_line = parts
    try:
        node = _compose(front)
        raw = _fields(node, front_line, check, set()) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        line, message = _yaml_error(exc, front.split("\n"), front_line)
        check.error(line, message)
        return None, check.problems
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as U+0085
        line = front_line + front.count("\n", 0, exc.position)
        check.error(line, f"front matter: character U+{exc.character:04X} is not allowed")
        return None, check.problems
    except RecursionError:
        check.error(front_line, "front matter: nested too deeply")
        return None, check.problems
    if not isinstance(raw, dict):
        check.error(front_line, "front matter: expected 'key: value' lines")
        return None, check.problems
    fields: dict[str, Field] = raw
    _unknown_keys(fields, FRONT_MATTER, "", check)
    where = front_line

    number_field = fields.get("number")
    number = number_field.value if number_field else None
    if number_field is None:
        check.error(where, "missing required key 'number'")
    elif number is _UNREADABLE:
        pass
    elif not isinstance(number, int) or isinstance(number, bool) or number < 1:
        check.error(number_field.line, f"number: expected a positive integer, got {_shape(number)}")
    else:
        named = re.match(r"(\d+)-", path.name)
        if named and int(named[1]) != number:
            check.warning(
                number_field.line,
                f"number: {number}, but the file name starts with {named[1]}: fix the number, "
                f"or rename the file to '{number:0{len(named[1])}d}-{path.stem[named.end() :]}.md'",
            )

    day: datetime | None = None
    if "date" not in fields:
        check.error(where, "missing required key 'date'")
    else:
        day = _parse_date(fields["date"].value, "date", fields["date"].line, check)
    updated = day
    if "updated" in fields:
        updated = _parse_date(fields["updated"].value, "updated", fields["updated"].line, check)
        if updated and day and updated < day:
            check.error(fields["updated"].line, "updated: must not be before the issue's date")

    title = _text(fields, "title", check, where=where, required=True)
    subtitle = _text(fields, "subtitle", check, where=where)
    subject = _text(fields, "subject", check, where=where) or title
    preheader = _text(fields, "preheader", check, where=where) or subtitle
    status = _text(fields, "status", check, where=where) or "published"
    if status not in ("draft", "published"):
        check.error(
            fields["status"].line, f"status: expected 'draft' or 'published', got {status!r}"
        )
    pinned = _text(fields, "id", check, where=where)
    if pinned and not URI.fullmatch(pinned):
        check.error(
            fields["id"].line,
            "id: expected an absolute URI in ASCII with a lowercase scheme, such as "
            f"'tag:example.org,2024-10-07:issue-6', got {pinned!r}",
        )
    elif pinned.startswith("tag:") and not TAG_URI.fullmatch(pinned):
        check.error(
            fields["id"].line,
            "id: a tag URI is 'tag:', a lowercase domain, ',', a date, ':' and a name, as in "
            f"'tag:example.org,2024-10-07:issue-6', got {pinned!r}",
        )
    tags: list[str] = []
    if "tags" in fields:
        value = fields["tags"].value
        items = [Field(value, fields["tags"].line)] if isinstance(value, str) else value
        if value is _UNREADABLE or (
            isinstance(items, list) and any(i.value is _UNREADABLE for i in items)
        ):
            pass
        elif not isinstance(items, list) or not all(
            isinstance(i.value, str) and not _control(i.value) for i in items
        ):
            check.error(fields["tags"].line, "tags: expected a list of words, as in [SCO, BRICS]")
        else:
            tags = [" ".join(i.value.split()) for i in items]
            if not all(tags):
                check.error(fields["tags"].line, "tags: a tag must not be empty")
            for item, tag in zip(items, tags, strict=True):
                _check_text(tag, "tags", item.line, check)
                if tag and not tag_slug(tag):
                    message = f"tags: {tag!r} needs a letter or a digit: it names the topic's page"
                    check.error(item.line, message)
    aliases = _aliases(fields.get("aliases"), path.stem, check)

    def picture(value: str, key: str, line: int) -> Picture | None:
        return _picture(settings, path.stem, check, value, key, line)

    article = _article(fields, check, picture)
    note, sections = _sections(body, body_line, settings.sections, check)
    local_images = _body_images(body, body_line, settings, check) if "![" in body else ()
    lead_src = _text(fields, "image", check, where=where)
    lead = picture(lead_src, "image", fields["image"].line) if lead_src else None
    image_alt = _text(fields, "image_alt", check, where=where)
    if image_alt and not lead_src:
        check.error(
            fields["image_alt"].line,
            "image_alt: there is no image to describe: add 'image:' or remove this line",
        )

    if check.failed or day is None or updated is None or not isinstance(number, int):
        return None, check.problems
    # A tag URI's authority is ASCII: an internationalised host name is written in punycode.
    host = (urlsplit(settings.site_url).hostname or "localhost").encode("idna").decode("ascii")
    issue = Issue(
        path=shown,
        slug=path.stem,
        number=number,
        date=day,
        title=title,
        subject=subject,
        subtitle=subtitle,
        preheader=preheader,
        tags=tuple(tags),
        status=status,
        id=pinned or f"tag:{host},{day.date().isoformat()}:issue-{number}",
        updated=updated,
        article=article,
        note=note,
        sections=sections,
        url=settings.url(f"{path.stem}/"),
        id_line=fields["id"].line if pinned else number_field.line if number_field else 1,
        aliases=aliases,
        aliases_line=fields["aliases"].line if "aliases" in fields else 0,
        image=lead,
        image_alt=image_alt,
        local_images=local_images,
    )
    return issue, check.problems


def _aliases(field: Field | None, slug: str, check: _FileChecker) -> tuple[str, ...]:
    """The issue's earlier slugs: each must be a slug, and not the issue's own."""
    if field is None:
        return ()
    items = [Field(field.value, field.line)] if isinstance(field.value, str) else field.value
    example = "as in [006-old-slug]"
    if not isinstance(items, list) or not all(isinstance(i.value, str) for i in items):
        check.error(field.line, f"aliases: expected a list of earlier slugs, {example}")
        return ()
    found: list[str] = []
    for item in items:
        alias = item.value.strip().strip("/")
        if not SLUG.fullmatch(alias):
            check.error(
                item.line,
                f"aliases: {item.value!r} is not a slug: lowercase letters, digits and "
                f"hyphens, {example}",
            )
        elif alias == slug:
            check.error(item.line, f"aliases: {alias!r} is this issue's own slug; remove it")
        elif alias not in found:
            found.append(alias)
    return tuple(found)


# What reading an issue file gave, by its path: the hash of the bytes read, and the result.
Known = dict[Path, tuple[str, Issue | None, list[Problem]]]


def read_all(
    settings: Settings, known: Known | None = None, hashes: FileHashes | None = None
) -> tuple[list[Issue], list[Problem]]:
    """Read every issue: the valid ones, newest first, and every problem of every file (those
    across issues too). An issue with an error, its own or one across issues, is left out.

    KNOWN (the preview's) keeps each file's reading: a file whose bytes are as they were (their
    hash, from HASHES) is not read again. Whoever keeps it clears it when the settings or the
    images change."""
    hashes = hashes or FileHashes()
    paths = sorted(settings.issues_dir.glob(READ_AS_ISSUES))
    if not paths:
        message = f"no issues: add a Markdown file to {settings.issues_dir}"
        return [], [Problem("issues", 1, message), *strays(settings)]
    issues: list[Issue] = []
    problems: list[Problem] = []
    for path in paths:
        if known is None:
            issue, found = read_issue(path, settings)
        else:
            digest = hashes.digest(path)  # before it is read: a save meanwhile shows next time
            hit = known.get(path)
            if hit is not None and digest and hit[0] == digest:
                _, issue, found = hit
            else:
                issue, found = read_issue(path, settings)
                known[path] = (digest, issue, found)
        problems.extend(found)
        if issue is not None:
            issues.append(issue)
    if known is not None:
        for gone in set(known) - set(paths):
            del known[gone]
    problems = across(settings, issues, problems)
    failed = {p.path for p in problems if p.severity == "error"}
    issues = [issue for issue in issues if issue.path not in failed]
    issues.sort(key=lambda i: (i.date, i.number), reverse=True)
    return issues, problems


def load_issues(settings: Settings) -> tuple[list[Issue], list[Problem]]:
    """Read every issue, newest first; raise InvalidInput listing every error of every file."""
    issues, problems = read_all(settings)
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    return issues, problems
