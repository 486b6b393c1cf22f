"""Writing the output tree: one render at a time, every file replaced atomically, inside out/."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
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
    interrupted = path.exists()  # a render that was killed leaves its lock file behind
    try:
        fd = _open_lock(path)
    except OSError as exc:  # a read-only disk, a folder we may not write to
        _remove_if_new_and_empty(out_dir, created)
        raise OutputError(f"could not write {out_dir}: {exc}") from exc
    try:
        if interrupted:  # (or one is running, and we waited for it: then there are none)
            _remove_temporaries(out_dir)  # left behind by the render that was killed
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
    """Write DATA to a new temporary file beside PATH (flushed to disk later); return its path."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; a published file is world-readable
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _flush(path: Path) -> None:
    """Flush a file's or a folder's content to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_all(paths: Iterable[Path]) -> None:
    """Flush many files at once: concurrent flushes share the disk's journal commits, where one
    after the other a render of hundreds of issues would wait on the disk thousands of times."""
    with ThreadPoolExecutor(max_workers=16) as pool:  # it waits on the disk, not the CPU
        for _ in pool.map(_flush, paths):
            pass


def write_tree(
    out_dir: Path, files: Mapping[str, bytes] | Iterable[tuple[str, bytes]]
) -> list[str]:
    """Write every (relative path, content) under OUT_DIR; return the paths whose content changed.

    FILES may come as they are rendered. Every changed file is written in full to a temporary
    file beside it as it comes; when all of them are written and flushed to disk, they are
    renamed into place. A failure before that (a render error, a full disk, Ctrl-C) removes the
    temporary files and any folder made for them, and leaves every previous file as it was.
    """
    root = out_dir.resolve()
    pairs = files.items() if isinstance(files, Mapping) else files
    created: list[Path] = []  # folders made for new issues, removed again on failure
    staged: dict[Path, tuple[str, Path]] = {}  # target -> (relative path, temporary file)
    try:
        for relative, data in pairs:
            target = (root / relative).resolve()
            if not target.is_relative_to(root) or target == root:  # slugs are checked; not paths
                raise OutputError(f"refusing to write outside {out_dir}: {relative}")
            if target in staged:
                staged.pop(target)[1].unlink()
            if target.is_file() and target.read_bytes() == data:
                continue
            for folder in reversed([target.parent, *target.parent.parents]):
                if folder.is_relative_to(root) and not folder.exists():
                    folder.mkdir()
                    created.append(folder)
            staged[target] = (relative, _stage(target, data))
        _flush_all(temporary for _, temporary in staged.values())
    except BaseException as exc:
        for _, temporary in staged.values():
            temporary.unlink(missing_ok=True)
        for folder in reversed(created):
            folder.rmdir()
        if isinstance(exc, OSError):
            raise OutputError(f"could not write {out_dir}: {exc}; it is unchanged") from exc
        raise
    try:
        for target, (_, temporary) in sorted(staged.items()):
            os.replace(temporary, target)
        _flush_all(sorted({target.parent for target in staged}))  # the renames, too
    except OSError as exc:  # renames within a folder do not fail short of a broken disk
        raise OutputError(f"could not finish writing {out_dir}: {exc}; render again") from exc
    return sorted(relative for relative, _ in staged.values())


def remove(out_dir: Path, names: Iterable[str]) -> list[str]:
    """Delete the files NAMES under OUT_DIR that no render writes any more, and the folders this
    leaves empty; return the names of those that were there."""
    root = out_dir.resolve()
    removed = []
    for name in sorted(names):
        target = root / name
        if not target.resolve().is_relative_to(root) or not target.is_file():
            continue  # only ever a file of ours, inside out/
        try:
            target.unlink()
            removed.append(name)
            folder = target.parent
            while folder != root and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        except OSError as exc:
            raise OutputError(f"could not remove {out_dir / name}: {exc}; render again") from exc
    return removed
