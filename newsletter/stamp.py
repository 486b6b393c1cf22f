"""The stamp: whether the last render still stands, decided from file stats alone.

After every render, `.newsletter/<out>/stamp.json` records the size and times of every input (the
settings, the layouts, the issue files, the package's output-shaping modules, the versions of the
libraries that shape output) and of every output, with the render's summary. When the same command
finds every one of them as recorded, nothing can have changed: its summary is the answer, and
neither the settings nor a single issue is read. Any other difference goes through the pipeline,
whose build state (state.py) says what to redo.

This module imports only the lightest of the standard library, so that such a run costs little
more than `newsletter --version`; the rules it shares with state.py (the racy window, the atomic
write, where the state lives, what shapes output) are kept here for that reason.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

STATE_DIR = ".newsletter"  # in the project folder, beside out/; in .gitignore
FORMAT = 2  # of the stamp and of the state
# A file changed less than this long before the state was saved may change again within the same
# clock tick without its size or time changing: such a file is hashed, never trusted on stat.
RACY_NS = 2_000_000_000

# The modules of the package whose code cannot change an output; every other one can.
NOT_OUTPUT = frozenset(
    {"__main__", "bench", "cli", "project", "publish", "scaffold", "send", "serve"}
)
# The libraries whose version can change an output (names as their distributions spell them).
SHAPING_LIBRARIES = (
    "cssselect",
    "cssutils",
    "feedgen",
    "jinja2",
    "lxml",
    "markdown-it-py",
    "markupsafe",
    "mdit-py-plugins",
    "pillow",
    "premailer",
    "pyyaml",
    "wcwidth",
)

# Size, modification and inode change time in ns. The change time cannot be set back: a file
# rewritten to the same size with its modification time restored still shows a new one.
Stat = tuple[int, int, int]


def stat_of(path: Path | str) -> Stat | None:
    """The size, modification and change times of PATH, or None when it is missing."""
    try:
        result = os.stat(path)
    except OSError:
        return None
    return result.st_size, result.st_mtime_ns, result.st_ctime_ns


class FileHashes:
    """The SHA-256 of files, by path, for a process that asks again and again (the preview): a
    file is read and hashed again only when its stat changed, or is too recent to trust."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[Stat, str]] = {}

    def digest(self, path: Path) -> str:
        """The hex SHA-256 of the file at PATH; '' when it cannot be read."""
        import hashlib

        key = str(path)
        stat = stat_of(key)
        if stat is None:
            self._known.pop(key, None)
            return ""
        known = self._known.get(key)
        if known is not None and known[0] == stat and stat[1] < time.time_ns() - RACY_NS:
            return known[1]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return ""
        self._known[key] = (stat, digest)
        return digest


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace PATH by DATA (or its pieces, written as they come) in one rename. Not flushed to
    disk: a state lost in a crash costs one full render, never a wrong output (the outputs
    themselves are flushed first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            handle.writelines(data)
    os.replace(temporary, path)


def package_modules() -> list[Path]:
    """The package's modules that shape output, sorted."""
    package = Path(__file__).parent
    return sorted(p for p in package.glob("*.py") if p.stem not in NOT_OUTPUT)


def _normalised(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def libraries() -> tuple[str, ...]:
    """'name==version' of every library that shapes output, read from the installed metadata's
    folder names (importlib.metadata takes 0.1 s for these; a listing of sys.path, 1 ms)."""
    wanted = {_normalised(name): name for name in SHAPING_LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            project, _, version = stem.partition("-")
            key = _normalised(project)
            if key in wanted and key not in found:  # the first on sys.path is the one imported
                found[key] = version.partition("-")[0]
    return tuple(f"{wanted[key]}=={found.get(key, '')}" for key in sorted(wanted))


_LIBRARIES: list[tuple[str, ...]] = []  # libraries(), once per process


def state_path(root: Path, out_dir: Path, name: str = "state.json") -> Path:
    """Where the state of rendering ROOT's project into OUT_DIR is kept."""
    out = out_dir.resolve()
    base = root.resolve()
    shown = out.relative_to(base).as_posix() if out.is_relative_to(base) else ""
    if not shown:
        import hashlib  # imported here: the stamp of out/ needs none

        shown = f"outside-{hashlib.sha256(str(out).encode()).hexdigest()[:12]}"
    folder = shown.replace("/", "--")
    return root / STATE_DIR / folder / name


# --- the stamp: has anything changed since the same command ran? ----------------------------------


class Summary(NamedTuple):
    """What a render reports: issues covered, their files, files changed and removed, warnings."""

    issues: int
    files: int
    changed: int
    warnings: tuple[str, ...]
    removed: tuple[str, ...] = ()


def _stats(folder: Path, names: Iterable[str]) -> list[list[Any]]:
    """[name, size, modification and change times in ns] of each FOLDER/NAME; -1s if missing."""
    prefix = f"{folder}{os.sep}"
    found = []
    for name in names:
        stat = stat_of(prefix + name)
        found.append([name, *(stat or (-1, -1, -1))])
    return found


def _listing(folder: Path) -> list[str]:
    """The files under FOLDER, relative to it, sorted."""
    found = []
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        relative = os.path.relpath(parent, folder)
        found += [name if relative == "." else f"{relative}/{name}" for name in sorted(files)]
    return found


def _inputs(root: Path) -> list[list[Any]]:
    """The stat of every file a render reads, and the libraries' versions, in a fixed order."""
    folder = root / "issues"
    issues = sorted(n for n in os.listdir(folder) if n.endswith(".md")) if folder.is_dir() else []
    package = Path(__file__).parent
    return [
        list(libraries()),
        *_stats(root, ["pyproject.toml"]),
        *_stats(root / "layouts", _listing(root / "layouts")),
        *_stats(folder, issues),
        *_stats(folder / "images", _listing(folder / "images")),  # the issues' local images
        *_stats(package, [path.name for path in package_modules()]),
    ]


def _request(root: Path, out_dir: Path, request: list[Any]) -> list[Any]:
    """What makes two runs the same command: where, on what, with which options."""
    # Names of issues may be paths relative to the current folder; a feed without entries is
    # dated by SOURCE_DATE_EPOCH.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return [os.getcwd(), str(root), str(out_dir), epoch, *request]


def unchanged(root: Path, out_dir: Path, request: list[Any]) -> Summary | None:
    """The last render's summary if it was this REQUEST and no file changed since; else None."""
    try:
        stamp = json.loads(state_path(root, out_dir, "stamp.json").read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != FORMAT:
        return None
    if stamp.get("request") != _request(root, out_dir, request):
        return None
    if stamp.get("inputs") != _inputs(root):
        return None
    outputs = stamp.get("outputs")
    if not isinstance(outputs, list) or outputs != _stats(out_dir, [name for name, *_ in outputs]):
        return None
    issues, files, warnings = stamp["summary"]
    return Summary(issues, files, 0, tuple(warnings))


def changed_issues(root: Path, out_dir: Path) -> int | None:
    """How many issue files changed since the state was saved, when nothing else a render reads
    did (the settings, the layouts, the images, the code); None when something did, or there is
    no state.

    Told by change times alone, before the state is read: a hint of how many workers a render
    will want, never a reason to trust or skip anything.
    """
    saved = stat_of(state_path(root, out_dir))
    if saved is None:
        return None

    def newer(folder: Path, names: Iterable[str]) -> int:
        return sum(1 for row in _stats(folder, names) if row[3] < 0 or row[3] > saved[1])

    folder, package = root / "issues", Path(__file__).parent
    if (
        newer(root, ["pyproject.toml"])
        or newer(root / "layouts", _listing(root / "layouts"))
        or newer(folder / "images", _listing(folder / "images"))
        or newer(package, [path.name for path in package_modules()])
    ):
        return None
    issues = sorted(n for n in os.listdir(folder) if n.endswith(".md")) if folder.is_dir() else []
    return newer(folder, issues)


def record(
    root: Path, out_dir: Path, request: list[Any], summary: Summary, outputs: Mapping[str, Stat]
) -> None:
    """Stamp a finished render; remove the stamp when an input is too fresh to be trusted."""
    path = state_path(root, out_dir, "stamp.json")
    inputs = _inputs(root)
    now = time.time_ns()
    if any(row[2] >= now - RACY_NS for row in inputs[1:]):
        path.unlink(missing_ok=True)
        return
    raw = {
        "format": FORMAT,
        "request": _request(root, out_dir, request),
        "summary": [summary.issues, summary.files, list(summary.warnings)],
        "inputs": inputs,
        "outputs": [[name, *stat] for name, stat in sorted(outputs.items())],
    }
    write_atomic(path, json.dumps(raw, ensure_ascii=False).encode())
