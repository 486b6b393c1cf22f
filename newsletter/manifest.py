"""The manifest of out/: what every output was rendered from, so that a render redoes only that.

`out/.newsletter/manifest.json` records, for each valid issue file, a hash of its bytes, a hash of
everything its validation depends on (the file, the settings, the package) and of everything its
outputs depend on (that, and the layouts), with the size and modification time of each output
file. A later run re-reads only the issue files whose hash changed and re-renders only the issues
whose inputs or outputs changed; the feeds and the archive index are keyed on the hashes of the
issues they list. `out/.newsletter/issues.pickle` keeps the validated issues themselves, so that
the index and the feeds can be rebuilt without reading every file again.

Both are the build's own state, never published: leave `out/.newsletter/` out of an upload.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import Settings
from .errors import Problem

if TYPE_CHECKING:
    from .issues import Issue

log = logging.getLogger(__name__)

STATE_DIR = ".newsletter"
FORMAT = 1
# A file changed less than this long before the manifest was saved may change again within the
# same clock tick without its size or time changing: such a file is hashed, never trusted on stat.
RACY_NS = 2_000_000_000

# Size, modification time and inode change time in ns. The change time cannot be set back: a file
# rewritten to the same size with its modification time restored still shows a new one.
Stat = tuple[int, int, int]


def digest(*parts: str | bytes) -> str:
    """A SHA-256 of the parts, each length-prefixed so that no two lists of parts collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(b"%d:" % len(data))
        hasher.update(data)
    return hasher.hexdigest()


def stat_of(path: Path | str) -> Stat | None:
    """The size, modification and change times of PATH, or None when it is missing."""
    try:
        result = os.stat(path)
    except OSError:
        return None
    return result.st_size, result.st_mtime_ns, result.st_ctime_ns


@dataclass(frozen=True)
class Sources:
    """Hashes of what every issue's outputs depend on besides its own file."""

    code: str  # the package: its version and its own source files
    settings: str  # [tool.newsletter]
    layouts: str  # every file under layouts/

    @property
    def checks(self) -> str:
        """What an issue's validation depends on besides its file."""
        return digest(self.code, self.settings)

    @property
    def site(self) -> str:
        """What an issue's outputs depend on besides its file."""
        return digest(self.code, self.settings, self.layouts)


def sources(settings: Settings) -> Sources:
    """Hash the package, the settings and the layouts."""
    package = Path(__file__).parent
    code = [__version__.encode()]
    for path in sorted(package.glob("*.py")):
        code += [path.name.encode(), path.read_bytes()]
    layouts: list[bytes] = []
    if settings.layouts_dir.is_dir():
        for path in sorted(settings.layouts_dir.rglob("*")):
            if path.is_file():
                layouts += [path.relative_to(settings.layouts_dir).as_posix().encode()]
                layouts += [path.read_bytes()]
    shown = repr(replace(settings, root=Path()))  # where the project lives changes no output
    return Sources(digest(*code), digest(shown), digest(*layouts))


@dataclass(frozen=True)
class Entry:
    """One valid issue file as the manifest records it."""

    path: str
    slug: str
    number: int
    id: str  # the feed id, which no two issues may share
    id_line: int
    date: str  # ISO 8601, with its offset: the order of the archive
    draft: bool
    stat: Stat
    content: str  # hash of the file's bytes
    checked: str  # hash of the file and of what its validation depends on
    warnings: tuple[tuple[int, str], ...] = ()
    rendered: str = ""  # hash of what its outputs on disk were rendered from; '' if none are
    outputs: tuple[str, ...] = ()

    @property
    def is_draft(self) -> bool:
        """Drafts are rendered only when asked and never enter the feeds or the archive."""
        return self.draft

    def problems(self) -> list[Problem]:
        """Its warnings, as validation reported them."""
        return [Problem(self.path, line, message, "warning") for line, message in self.warnings]

    def key(self, sources: Sources) -> str:
        """The hash of everything this issue's outputs depend on."""
        return digest(self.checked, sources.site)


def entry_of(issue: Issue, stat: Stat, content: str, checked: str, found: list[Problem]) -> Entry:
    """The manifest's entry for an issue just validated."""
    warnings = tuple((p.line, p.message) for p in found if p.severity == "warning")
    return Entry(
        issue.path,
        issue.slug,
        issue.number,
        issue.id,
        issue.id_line,
        issue.date.isoformat(),
        issue.is_draft,
        stat,
        content,
        checked,
        warnings,
    )


@dataclass
class Manifest:
    """What the last render wrote: issue entries, page keys, and the stat of every output."""

    saved: int = 0  # when it was saved, in ns since the epoch
    site: str = ""  # the Sources.site of that render
    issues: dict[str, Entry] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # feeds and index: the key of their inputs
    files: dict[str, Stat] = field(default_factory=dict)

    def content(self, path: str, stat: Stat) -> str:
        """The recorded hash of the issue file at PATH if its stat shows it unchanged, else ''."""
        entry = self.issues.get(path)
        if entry is None or entry.stat != stat or entry.stat[1] >= self.saved - RACY_NS:
            return ""
        return entry.content

    def intact(self, outputs: tuple[str, ...] | list[str], out_dir: Path) -> bool:
        """Whether every output is on disk as this manifest recorded it (no one touched it)."""
        prefix = f"{out_dir}{os.sep}"  # strings, not Paths: thousands of files, a few ms
        return all(
            name in self.files and stat_of(prefix + name) == self.files[name] for name in outputs
        )


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest of OUT_DIR is kept."""
    return out_dir / STATE_DIR / "manifest.json"


def load(out_dir: Path) -> Manifest:
    """The manifest of OUT_DIR; an empty one when there is none or it is unreadable."""
    try:
        raw = json.loads(manifest_path(out_dir).read_bytes())
        if raw.get("format") != FORMAT:
            return Manifest()
        issues = {}
        for item in raw["issues"]:
            item["stat"] = tuple(item["stat"])
            item["warnings"] = tuple(tuple(w) for w in item["warnings"])
            item["outputs"] = tuple(item["outputs"])
            issues[item["path"]] = Entry(**item)
        files = {name: (stat[0], stat[1], stat[2]) for name, stat in raw["files"].items()}
        return Manifest(int(raw["saved"]), str(raw["site"]), issues, dict(raw["pages"]), files)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("ignoring an unreadable manifest in %s: %s", out_dir, exc)
        return Manifest()


def save(out_dir: Path, manifest: Manifest) -> None:
    """Write the manifest of OUT_DIR, stamped with the time it was saved."""
    raw = {
        "format": FORMAT,
        "saved": time.time_ns(),
        "site": manifest.site,
        "issues": [vars(entry) for _, entry in sorted(manifest.issues.items())],  # flat: no asdict
        "pages": manifest.pages,
        "files": dict(sorted(manifest.files.items())),
    }
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    # Written after the outputs, which are flushed to disk; not flushed itself: a manifest lost
    # in a crash costs one full render, never a wrong output.
    path = manifest_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# --- the validated issues themselves --------------------------------------------------------

# The issues of a large archive take megabytes: they are kept in a base file rewritten only when
# many changed, and a small file of those that changed since, rewritten by every render.
BASE, RECENT = "issues.pickle", "recent.pickle"
RECENT_MAX = 64


@dataclass
class Models:
    """Validated issues by the hash they were checked under, and feed bodies by output key."""

    issues: dict[str, Issue] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)
    base: frozenset[str] = frozenset()  # the keys of `issues` that the base file holds


def _unpickle(path: Path, stamp: str) -> Any:
    try:
        with path.open("rb") as handle:
            found, value = pickle.load(handle)  # our own state, written by save_models
    except FileNotFoundError:
        return None
    except Exception as exc:  # unpickling fails with errors of any type; this is only a cache
        log.warning("ignoring the unreadable cache %s: %s", path, exc)
        return None
    return value if found == stamp else None


def _pickle(path: Path, stamp: str, value: object) -> None:
    # No fsync: a cache lost in a crash is rebuilt; the rename alone keeps it whole.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(pickle.dumps((stamp, value), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, path)


def load_models(out_dir: Path, sources: Sources) -> Models:
    """The issues the last renders validated; none when the package or the settings changed."""
    base: dict[str, Issue] = _unpickle(out_dir / STATE_DIR / BASE, sources.checks) or {}
    recent: tuple[dict[str, Issue], dict[str, str]] = _unpickle(
        out_dir / STATE_DIR / RECENT, sources.checks
    ) or ({}, {})
    issues, articles = recent
    return Models({**base, **issues}, dict(articles), frozenset(base))


def save_models(out_dir: Path, sources: Sources, models: Models) -> None:
    """Keep the validated issues for the next render: the changes alone, while they are few."""
    folder = out_dir / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    changed = {key: issue for key, issue in models.issues.items() if key not in models.base}
    if len(changed) + len(models.base - models.issues.keys()) > RECENT_MAX:
        _pickle(folder / BASE, sources.checks, models.issues)
        changed = {}
    _pickle(folder / RECENT, sources.checks, (changed, models.articles))
