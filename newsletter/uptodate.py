"""Whether the last render still stands, decided from file stats before the pipeline is loaded.

After every render, `out/.newsletter/stamp.json` records the size and modification time of every
input (the settings, the layouts, the issue files, the package's own code) and of every output, with
the render's summary. When the same command finds every one of them as recorded, nothing can have
changed: its summary is the answer, and neither the settings nor a single issue is read. Any other
difference (a file edited, added, removed or touched) goes through the pipeline, which re-reads
only the files whose bytes changed (see manifest.py).

This module imports nothing beyond the standard library, so that such a run costs little more than
`newsletter --version`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, NamedTuple

STAMP = Path(".newsletter") / "stamp.json"
FORMAT = 1
# An input written less than this long before a render may change again within the same clock
# tick, keeping its size and time: a stamp is only trusted for inputs older than that.
RACY_NS = 2_000_000_000


class Summary(NamedTuple):
    """What a render reports: issues covered, their files, files changed, warnings."""

    issues: int
    files: int
    changed: int
    warnings: tuple[str, ...]


def _stats(folder: Path, names: list[str]) -> list[list[Any]]:
    """[name, size, modification and change times in ns] of each FOLDER/NAME; -1s if missing."""
    prefix = f"{folder}{os.sep}"  # strings, not Paths: thousands of files, a few ms
    found = []
    for name in names:
        try:
            result = os.stat(prefix + name)
        except OSError:
            found.append([name, -1, -1, -1])
        else:  # the change time too: it cannot be set back, as the modification time can
            found.append([name, result.st_size, result.st_mtime_ns, result.st_ctime_ns])
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
    """The stat of every file a render reads, in a fixed order."""
    folder = root / "issues"
    issues = sorted(n for n in os.listdir(folder) if n.endswith(".md")) if folder.is_dir() else []
    package = Path(__file__).parent
    code = sorted(name for name in os.listdir(package) if name.endswith(".py"))
    return [
        *_stats(root, ["pyproject.toml"]),
        *_stats(root / "layouts", _listing(root / "layouts")),
        *_stats(folder, issues),
        *_stats(folder / "images", _listing(folder / "images")),  # the issues' images
        *_stats(package, code),
    ]


def _request(root: Path, out_dir: Path, request: list[Any]) -> list[Any]:
    """What makes two runs the same command: where, on what, with which options."""
    # Names of issues may be paths relative to the current folder; a feed without entries is
    # dated by SOURCE_DATE_EPOCH.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return [os.getcwd(), str(root), str(out_dir), epoch, *request]


def check(root: Path, out_dir: Path, request: list[Any]) -> Summary | None:
    """The last render's summary if it was this REQUEST and no file changed since; else None."""
    try:
        stamp = json.loads((out_dir / STAMP).read_bytes())
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


def save(
    root: Path, out_dir: Path, request: list[Any], summary: Summary, outputs: list[str]
) -> None:
    """Stamp a finished render; remove the stamp when an input is too fresh to be trusted."""
    path = out_dir / STAMP
    inputs = _inputs(root)
    now = time.time_ns()
    if any(mtime >= now - RACY_NS for _, _, mtime, _ in inputs):
        path.unlink(missing_ok=True)
        return
    stamp = {
        "format": FORMAT,
        "request": _request(root, out_dir, request),
        "summary": [summary.issues, summary.files, list(summary.warnings)],
        "inputs": inputs,
        "outputs": _stats(out_dir, sorted(outputs)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(stamp, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)
