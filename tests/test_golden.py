"""Golden files: the sample project's outputs, byte for byte.

After an intended change to the output, regenerate them and review the diff:

    NEWSLETTER_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py && git diff tests/golden

The search index (out/pagefind/: Pagefind's code, gzip and WebAssembly files) is kept as one
list of SHA-256 sums, `pagefind.sha256`: its bytes too are checked, and its diff shows which
of its files changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, snapshot

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("NEWSLETTER_UPDATE_GOLDEN") == "1"
INDEX, SUMS = "pagefind/", "pagefind.sha256"


def as_kept(files: dict[str, bytes]) -> dict[str, bytes]:
    """The outputs as tests/golden keeps them: the search index's files as their sums."""
    kept = {name: data for name, data in files.items() if not name.startswith(INDEX)}
    sums = [
        f"{hashlib.sha256(data).hexdigest()}  {name}\n"
        for name, data in sorted(files.items())
        if name.startswith(INDEX)
    ]
    kept[SUMS] = "".join(sums).encode()
    return kept


def test_update_golden_files(rendered: Path) -> None:
    if not UPDATE:
        pytest.skip("set NEWSLETTER_UPDATE_GOLDEN=1 to rewrite tests/golden")
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for relative, data in as_kept(snapshot(rendered)).items():
        target = GOLDEN / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_outputs_match_the_golden_files(rendered: Path) -> None:
    actual, expected = as_kept(snapshot(rendered)), snapshot(GOLDEN)
    assert sorted(actual) == sorted(expected)
    for relative in sorted(expected):
        # Compared as text first, so that pytest shows a readable diff of the first change.
        assert actual[relative].decode("utf-8") == expected[relative].decode("utf-8"), relative
