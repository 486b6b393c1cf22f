"""Writing the output tree: every file replaced atomically, nothing written outside out/."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace PATH with DATA through a temporary file in the same folder; False if unchanged."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def write_tree(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write every file under OUT_DIR; return the relative paths whose content changed."""
    root = out_dir.resolve()
    targets = {}
    for relative, data in files.items():
        target = (root / relative).resolve()
        if not target.is_relative_to(root):  # slugs are checked, but never trust a path
            raise ValueError(f"refusing to write outside {root}: {relative}")
        targets[relative] = (target, data)
    return [
        relative
        for relative, (target, data) in sorted(targets.items())
        if write_atomically(target, data)
    ]
