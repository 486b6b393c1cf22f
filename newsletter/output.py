"""Writing the output tree: one render at a time, every file replaced atomically, inside out/."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import OutputError

log = logging.getLogger(__name__)

LOCK = ".lock"
# Temporary files are hidden and named after the file they replace: '.email.html.k2j4x.tmp'.
TEMPORARY_GLOB = ".*.tmp"


def _open_lock(path: Path) -> int:
    """Open and lock PATH, waiting for the render that holds it; return its descriptor."""
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s is locked by another render; waiting for it to finish", path.parent)
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The render we waited for removed the file it locked; ours may be that removed one.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold OUT_DIR/.lock for a whole render, so two renders into one folder never interleave.

    The second render waits for the first. The lock file exists only while a render runs, and
    an out/ the render created is removed again if it stays empty (a render that failed).
    """
    created = not out_dir.exists()
    path = out_dir / LOCK
    try:
        fd = _open_lock(path)
    except OSError as exc:  # a read-only disk, a folder we may not write to
        _remove_if_new_and_empty(out_dir, created)
        raise OutputError(f"could not write {out_dir}: {exc}") from exc
    try:
        _remove_temporaries(out_dir)  # left behind by a render that was killed
        yield
    finally:
        path.unlink(missing_ok=True)  # while still holding the lock: see _open_lock
        os.close(fd)
        _remove_if_new_and_empty(out_dir, created)


def _remove_if_new_and_empty(out_dir: Path, created: bool) -> None:
    """Remove OUT_DIR if this render made it and wrote nothing into it."""
    if created and out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()


def _remove_temporaries(out_dir: Path) -> None:
    """Delete the temporary files of an interrupted render (only ever called under the lock)."""
    for stray in out_dir.rglob(TEMPORARY_GLOB):
        if stray.is_file():
            log.info("removing %s, left by an interrupted render", stray)
            stray.unlink()


def _stage(path: Path, data: bytes) -> Path:
    """Write DATA to a new temporary file beside PATH, flushed to disk; return its path."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; a published file is world-readable
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so the renames survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_tree(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write every file under OUT_DIR; return the relative paths whose content changed.

    Every changed file is first written in full to a temporary file beside it; only when all of
    them are on disk are they renamed into place. A failure before that (a full disk, an error,
    Ctrl-C) removes the temporary files and leaves every previous file as it was.
    """
    root = out_dir.resolve()
    changed: dict[str, tuple[Path, bytes]] = {}
    for relative, data in sorted(files.items()):
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or target == root:  # slugs are checked; paths aren't
            raise OutputError(f"refusing to write outside {out_dir}: {relative}")
        if not (target.is_file() and target.read_bytes() == data):
            changed[relative] = (target, data)

    created: list[Path] = []  # folders made for new issues, removed again on failure
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in changed.values():
            for folder in reversed([target.parent, *target.parent.parents]):
                if folder.is_relative_to(root) and not folder.exists():
                    folder.mkdir()
                    created.append(folder)
            staged.append((_stage(target, data), target))
    except BaseException as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(created):
            folder.rmdir()
        if isinstance(exc, OSError):
            raise OutputError(f"could not write {out_dir}: {exc}; it is unchanged") from exc
        raise
    try:
        for temporary, target in staged:
            os.replace(temporary, target)
        for folder in sorted({target.parent for _, target in staged}):
            _sync_folder(folder)
    except OSError as exc:  # renames within a folder do not fail short of a broken disk
        raise OutputError(f"could not finish writing {out_dir}: {exc}; render again") from exc
    return list(changed)
