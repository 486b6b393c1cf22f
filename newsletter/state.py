"""The build's own state: what the last render wrote, so that the next one redoes only that.

The state lives in the project's `.newsletter/` folder (gitignored), never in out/, as JSON: data
that cannot run. Deleting the folder is always safe: the next render rebuilds everything.

Policy, one question per output:

- An issue file is read again when its bytes changed, or when what its validation depends on
  changed: the settings, the package modules that shape output, the versions of the libraries
  that do (`Sources.checks`). Its bytes are hashed unless its size, modification and change
  times are as recorded and it is older than RACY_NS was when the state was saved.
- An issue is rendered again when its key (its checks, and the layouts: `Record.key`) differs
  from the key its outputs were rendered from, or when one of its outputs is not on disk as the
  state recorded it (deleted, edited by hand).
- A page (the archive, the feeds) is rewritten when the key of the issues it lists changed, or
  when one of its files is not on disk as recorded.
- A file the state records as written by an earlier render that no issue or page of this render
  produces (a renamed, deleted or back-to-draft issue's) is removed; no other file is touched.
- The issues a feed carries (the main feeds, and a topic's) keep their feed body in the state;
  each year's search index keeps its issues' search records in `search-<year>.json`. A body or
  a record is used only while the issue's key is the one it was made from.
- `stamp.json` (stamp.py) answers a repeated command before the pipeline is imported: when every
  input and output has the stat recorded after the same command ran, its summary stands.

A state that cannot be read, or that another format wrote, is ignored with one line; one that
an older version of the package or other settings wrote still names the files it wrote, and
nothing else of it is trusted. This module imports only the standard library.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .stamp import (
    FORMAT,
    RACY_NS,
    STATE_DIR,
    Stat,
    libraries,
    package_modules,
    stat_of,
    state_path,
    write_atomic,
)

if TYPE_CHECKING:
    from .config import Settings
    from .model import Issue

log = logging.getLogger(__name__)


def digest(*parts: str | bytes) -> str:
    """A SHA-256 of the parts, each length-prefixed so that no two lists of parts collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(b"%d:" % len(data))
        hasher.update(data)
    return hasher.hexdigest()


# --- what outputs depend on besides the issue files ---------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Hashes of what an issue's outputs depend on besides its own file."""

    code: str  # the package version, its output-shaping modules and the libraries' versions
    settings: str  # [tool.newsletter], but for what changes no output (where the project is)
    layouts: str  # every file under layouts/

    @functools.cached_property
    def checks(self) -> str:
        """What an issue's validation depends on besides its file."""
        return digest(self.code, self.settings)

    @functools.cached_property
    def site(self) -> str:
        """What an issue's outputs depend on besides its file."""
        return digest(self.code, self.settings, self.layouts)


def sources(settings: Settings) -> Sources:
    """Hash the package's output-shaping code, the libraries' versions, settings and layouts."""
    code = [__version__.encode(), *(name.encode() for name in libraries())]
    for path in package_modules():
        code += [path.name.encode(), path.read_bytes()]
    layouts: list[bytes] = []
    if settings.layouts_dir.is_dir():
        for path in sorted(settings.layouts_dir.rglob("*")):
            if path.is_file():
                layouts += [path.relative_to(settings.layouts_dir).as_posix().encode()]
                layouts += [path.read_bytes()]
    # Where the project lives, how proofs are sent and where drafts go change no output.
    shown = repr(replace(settings, root=Path(), smtp=None, publish=None))
    return Sources(digest(*code), digest(shown), digest(*layouts))


# --- the state itself -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One valid issue file: the issue read from it, and what the state knows of its outputs.

    The state keeps each issue without its body (the editor's note and the sections): what the
    archive, the feeds and the checks across issues read of it. An issue read in this run is
    `complete`; one from the state is not, and is read again before it is rendered.
    """

    issue: Issue
    stat: Stat
    content: str  # hash of the file's bytes
    checked: str  # hash of the file and of what its validation depends on
    warnings: tuple[tuple[int, str], ...] = ()
    rendered: str = ""  # the key its outputs on disk were rendered from; '' if none are
    outputs: tuple[str, ...] = ()
    article: str = ""  # its feed entry's body, kept while the feeds list it
    complete: bool = True  # False for an issue from the state: its body is not kept

    @functools.cached_property  # made once: the index, the feeds and the archive ask
    def listed(self) -> str:
        """The hash of what a list of issues shows of this one (not its body)."""
        return digest(json.dumps(to_data(_hollow(self.issue)), ensure_ascii=False))

    @property
    def path(self) -> str:
        """The issue file, relative to the project."""
        return self.issue.path

    def key(self, sources: Sources) -> str:
        """The hash of everything this issue's outputs depend on."""
        return digest(self.checked, sources.site)


@dataclass
class State:
    """What the last render into one out/ folder wrote: its issues, its pages, every file."""

    saved: int = 0  # when it was saved, in ns since the epoch
    code: str = ""  # the Sources.code of that render: records of another code are not kept
    records: dict[str, Record] = field(default_factory=dict)  # by issue file
    pages: dict[str, str] = field(default_factory=dict)  # page -> the key of what it lists
    files: dict[str, Stat] = field(default_factory=dict)  # every file written, as written
    slugs: dict[str, str] = field(default_factory=dict)  # feed id -> slug of published issues
    # by issue file: the record as read from the state's file, and its JSON text there
    texts: dict[str, tuple[Record, str]] = field(default_factory=dict, repr=False, compare=False)

    def content(self, path: str, stat: Stat) -> str:
        """The recorded hash of the issue file at PATH if its stat shows it unchanged, else ''."""
        record = self.records.get(path)
        if record is None or record.stat != stat or record.stat[1] >= self.saved - RACY_NS:
            return ""
        return record.content

    def intact(self, names: Iterable[str], out_dir: Path) -> bool:
        """Whether every file NAMEd is on disk as this state recorded it (no one touched it)."""
        prefix = f"{out_dir}{os.sep}"  # strings, not Paths: thousands of files, a few ms
        return all(
            name in self.files and stat_of(prefix + name) == self.files[name] for name in names
        )

    def forget(self) -> State:
        """The state without anything but the files written: nothing is trusted, all is redone."""
        return State(files=dict(self.files), slugs=dict(self.slugs))


# The Issue and its parts are frozen dataclasses of text, numbers, dates and tuples of those:
# written as JSON objects, read back by their type hints.


def to_data(value: Any) -> Any:
    """VALUE as JSON data: a dataclass as an object, a tuple as a list, a date as ISO 8601."""
    kind = type(value)
    if kind in _PLAIN:  # most values of an issue: its text
        return value
    if kind is tuple:
        return [to_data(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_data(getattr(value, name)) for name in _field_names(value)}
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


_PLAIN = frozenset({str, int, bool, float, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(value: Any) -> tuple[str, ...]:
    """The field names of a dataclass instance, looked up once per class."""
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return names


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def from_data(kind: Any, data: Any) -> Any:
    """The value of type KIND that `to_data` wrote as DATA; TypeError when DATA is not one."""
    return _reader(kind)(data)


@functools.cache
def _reader(kind: Any) -> Callable[[Any], Any]:
    """The function that reads a value of type KIND from its JSON data: made once per type, so
    that reading every issue of an archive looks up no type hints."""
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        readers = {name: _reader(hint) for name, hint in _hints(kind).items()}

        def read_dataclass(data: Any) -> Any:
            if not isinstance(data, dict):
                raise TypeError(f"expected an object for {kind.__name__}")
            return kind(**{name: readers[name](value) for name, value in data.items()})

        return read_dataclass
    if typing.get_origin(kind) in (types.UnionType, typing.Union):  # 'X | None'
        present = _reader(next(arg for arg in typing.get_args(kind) if arg is not type(None)))
        return lambda data: None if data is None else present(data)
    if kind is datetime:
        return datetime.fromisoformat
    if typing.get_origin(kind) is tuple:
        item = _reader(typing.get_args(kind)[0])
        return lambda data: tuple(item(value) for value in data)
    if kind in (str, int, bool):

        def read_scalar(data: Any) -> Any:
            if not isinstance(data, kind):
                raise TypeError(f"expected {kind.__name__}, got {data!r}")
            return data

        return read_scalar
    return lambda data: data


# A state this module wrote starts so, then has its records one after the other: each is read on
# its own, and kept as its text, so that the next save writes an unchanged record as it was
# instead of converting and encoding it again (most records, most renders). Any other layout of
# the same JSON is read whole.
HEAD = re.compile(r'\{"format":(\d+),"saved":(\d+),"code":"([0-9a-f]*)","records":\[')
_DECODER = json.JSONDecoder()


def _parse(text: str) -> tuple[Any, list[str]]:
    """The state's JSON object, and the text of each of its records when this module wrote it."""
    head = HEAD.match(text)
    if head is not None:
        try:
            records, texts, position = [], [], head.end()
            while not text.startswith("]", position):
                item, end = _DECODER.raw_decode(text, position)
                records.append(item)
                texts.append(text[position:end])
                position = end + 1 if text.startswith(",", end) else end
            if not text.startswith("],", position):
                raise ValueError("no pages after the records")
            rest = json.loads("{" + text[position + 2 :])
            found = {"format": int(head[1]), "saved": int(head[2]), "code": head[3]}
            return {**found, "records": records, **rest}, texts
        except ValueError:
            pass  # not as this module writes it: read as the JSON it is (or say why it is not)
    return json.loads(text), []


def load(root: Path, out_dir: Path, sources: Sources) -> State:
    """The state of the last render into OUT_DIR; an empty one when there is none to trust."""
    path = state_path(root, out_dir)
    try:
        raw, texts = _parse(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return State()
    except (OSError, ValueError) as exc:
        log.warning("ignoring the unreadable build state %s: %s", path, exc)
        return State()
    try:
        if raw.get("format") != FORMAT:
            log.warning("ignoring the build state %s: another version wrote it", path)
            return State()
        files = {name: (int(s[0]), int(s[1]), int(s[2])) for name, s in raw["files"].items()}
        slugs = {str(id): str(slug) for id, slug in raw["slugs"].items()}
        if raw["code"] != sources.code:  # written by other code: only what it wrote is known
            return State(files=files, slugs=slugs)
        from .model import Issue

        records, kept = {}, {}
        for index, item in enumerate(raw["records"]):
            record = Record(
                issue=from_data(Issue, item["issue"]),
                stat=(int(item["stat"][0]), int(item["stat"][1]), int(item["stat"][2])),
                content=str(item["content"]),
                checked=str(item["checked"]),
                warnings=tuple((int(line), str(text)) for line, text in item["warnings"]),
                rendered=str(item["rendered"]),
                outputs=tuple(str(name) for name in item["outputs"]),
                article=str(item["article"]),
                complete=False,
            )
            records[record.path] = record
            if texts:
                kept[record.path] = (record, texts[index])
        pages = {str(page): str(key) for page, key in raw["pages"].items()}
        return State(int(raw["saved"]), str(raw["code"]), records, pages, files, slugs, kept)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        log.warning("ignoring the damaged build state %s: %s", path, exc)
        return State()


# What versions before 0.2 kept in out/.newsletter/: a manifest, a stamp, pickled issues and
# compiled layouts. It is never read; a render deletes it, since an upload would publish it.
LEGACY_DIR = ".newsletter"
LEGACY_FILES = ("manifest.json", "stamp.json", "issues.pickle", "recent.pickle")


def remove_legacy(out_dir: Path) -> bool:
    """Delete the build state an older version left in OUT_DIR, unread; True if there was one."""
    folder = out_dir / LEGACY_DIR
    if not folder.is_dir():
        return False
    for name in LEGACY_FILES:
        (folder / name).unlink(missing_ok=True)
    layouts = folder / "layouts"  # Jinja's bytecode cache: '__jinja2_<hash>.cache' files
    if layouts.is_dir():
        for cache in layouts.glob("__jinja2_*.cache"):
            cache.unlink()
        if not any(layouts.iterdir()):
            layouts.rmdir()
    for stray in folder.glob(".*.tmp"):
        stray.unlink()
    if any(folder.iterdir()):  # something of the user's: left alone
        return False
    folder.rmdir()
    log.warning("removed %s, the build state of an older version (now in %s/)", folder, STATE_DIR)
    return True


def _hollow(issue: Issue) -> Issue:
    """ISSUE without its body: what the state keeps of it."""
    return replace(issue, note="", sections=())


def save(root: Path, out_dir: Path, state: State) -> None:
    """Write the state of OUT_DIR, stamped with the time it was saved."""
    write_atomic(state_path(root, out_dir), _state_json(state))


def _json(value: Any) -> bytes:
    # ASCII, with escapes for the rest: it is read back faster than the same text in UTF-8.
    return json.dumps(value, separators=(",", ":")).encode()


def _record_data(record: Record) -> dict[str, Any]:
    """RECORD as JSON data, its issue hollow (`complete` is not kept: a record read back is not)."""
    names = (f.name for f in dataclasses.fields(record) if f.name != "complete")
    return {
        name: to_data(_hollow(record.issue) if name == "issue" else getattr(record, name))
        for name in names
    }


def _state_json(state: State) -> Iterator[bytes]:
    """The state as one JSON object, a record at a time; a record unchanged since it was read is
    written as the text it was read from (most records, most renders)."""
    head = {"format": FORMAT, "saved": time.time_ns(), "code": state.code}
    yield _json(head)[:-1] + b',"records":['
    for index, (path, record) in enumerate(sorted(state.records.items())):
        kept = state.texts.get(path)
        if kept is not None and kept[0] == record:  # as read: as it was written
            text = kept[1].encode()
        else:
            text = _json(_record_data(record))
        yield b"," * bool(index) + text
    tail = {
        "pages": dict(sorted(state.pages.items())),
        "files": dict(sorted(state.files.items())),
        "slugs": dict(sorted(state.slugs.items())),
    }
    yield b"]," + _json(tail)[1:]


# --- the search records: what Pagefind indexes of each issue, kept by year --------------------

# By issue file: the key of the issue it was made from (`Record.key`), and the record's HTML.
SearchRecords = dict[str, tuple[str, str]]


def load_search(root: Path, out_dir: Path, year: str) -> SearchRecords:
    """The search records of YEAR's issues the last render indexed (none when there are none to
    trust): an edit indexes its year again without reading every issue of it again."""
    path = state_path(root, out_dir, f"search-{year}.json")
    try:
        raw = json.loads(path.read_bytes())
        if raw.get("format") != FORMAT:
            return {}
        return {str(k): (str(v[0]), str(v[1])) for k, v in raw["records"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, AttributeError, KeyError, IndexError, TypeError) as exc:
        log.warning("ignoring the damaged search records %s: %s", path, exc)
        return {}


def save_search(root: Path, out_dir: Path, years: Mapping[str, SearchRecords]) -> None:
    """Keep the search records of each year indexed now, for the next render."""
    for year, records in years.items():
        raw = {"format": FORMAT, "records": {k: list(v) for k, v in sorted(records.items())}}
        write_atomic(state_path(root, out_dir, f"search-{year}.json"), _json(raw))


# --- the plan: what a render must redo, and what it leaves behind --------------------------------


@dataclass(frozen=True)
class Listing:
    """A page of the site: its files, the issues it lists, and what else it depends on."""

    files: tuple[str, ...]
    records: tuple[Record, ...]
    extra: str = ""
    bodies: bool = False  # whether it carries the issues' content (a feed), kept in the state

    def key(self, sources: Sources) -> str:
        """The hash of everything the page depends on: the issues whole if it carries their
        content, else what it shows of them."""
        keys = (r.key(sources) if self.bodies else r.listed for r in self.records)
        return digest(sources.site, self.extra, *keys)


@dataclass(frozen=True)
class Plan:
    """What a render must redo: the issues whose outputs are stale, and the pages."""

    issues: tuple[Record, ...]
    pages: frozenset[str]  # the pages to write again
    keys: dict[str, str]  # every page's key


def plan(
    last: State,
    sources: Sources,
    records: Iterable[Record],
    chosen: Iterable[Issue],
    pages: Mapping[str, Listing],
    out_dir: Path,
) -> Plan:
    """Compare every chosen issue and every page with what the last render wrote."""
    paths = {issue.path for issue in chosen}
    stale = tuple(
        record
        for record in records
        if record.path in paths
        and (record.rendered != record.key(sources) or not last.intact(record.outputs, out_dir))
    )
    keys = {page: listing.key(sources) for page, listing in pages.items()}
    due = frozenset(
        page
        for page, listing in pages.items()
        if last.pages.get(page) != keys[page] or not last.intact(listing.files, out_dir)
    )
    return Plan(stale, due, keys)


def settle(
    last: State,
    sources: Sources,
    records: Iterable[Record],
    chosen: Iterable[Issue],
    pages: Mapping[str, Listing],
    work: Plan,
    composed: Mapping[str, tuple[tuple[str, ...], str]],
    out_dir: Path,
    more: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
    more_written: Iterable[str] = (),
    fed: Mapping[str, str] | None = None,
) -> tuple[State, list[str]]:
    """The state after a render that did WORK (COMPOSED: the files and feed body of each issue
    rendered, by its path), and the files of the last one it leaves behind. MORE: other pages
    (the archive's), each with its key and files, of which MORE_WRITTEN were written now. FED:
    the other feeds' issues (the topics'), by path, with their body if it was made now.

    A draft's files stay only while it is asked for; every other issue keeps its files until
    it is rendered again; a page's files are the ones it has now.
    """
    asked = {issue.path for issue in chosen}
    fed = fed or {}
    in_feeds = {r.path for listing in pages.values() if listing.bodies for r in listing.records}
    in_feeds.update(fed)
    kept: dict[str, Record] = {}
    for record in records:
        if record.path in composed:
            outputs, article = composed[record.path]
            record = replace(record, rendered=record.key(sources), outputs=outputs, article=article)
        elif fed.get(record.path):
            record = replace(record, article=fed[record.path])
        elif record.issue.is_draft and record.path not in asked:
            record = replace(record, rendered="", outputs=())
        if record.path not in in_feeds:
            record = replace(record, article="")
        kept[record.path] = record
    names = {name for record in kept.values() for name in record.outputs}
    names.update(name for listing in pages.values() for name in listing.files)
    written = {name for outputs, _ in composed.values() for name in outputs}
    written.update(name for page in work.pages for name in pages[page].files)
    more = more or {}
    names.update(name for _, files in more.values() for name in files)
    written.update(more_written)
    files: dict[str, Stat] = {}
    for name in sorted(names):
        stat = stat_of(out_dir / name) if name in written else last.files.get(name)
        if stat is not None:
            files[name] = stat
    slugs = dict(last.slugs)
    slugs.update((r.issue.id, r.issue.slug) for r in kept.values() if not r.issue.is_draft)
    keys = {**work.keys, **{page: key for page, (key, _) in more.items()}}
    now = State(0, sources.code, kept, keys, files, slugs, last.texts)
    return now, sorted(set(last.files) - names)
