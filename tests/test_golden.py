"""Golden files: the sample project's outputs, byte for byte.

After an intended change to the output, regenerate them and review the diff:

    NEWSLETTER_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py && git diff tests/golden
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, snapshot

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("NEWSLETTER_UPDATE_GOLDEN") == "1"


def test_update_golden_files(rendered: Path) -> None:
    if not UPDATE:
        pytest.skip("set NEWSLETTER_UPDATE_GOLDEN=1 to rewrite tests/golden")
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for relative, data in snapshot(rendered).items():
        target = GOLDEN / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_outputs_match_the_golden_files(rendered: Path) -> None:
    actual, expected = snapshot(rendered), snapshot(GOLDEN)
    assert sorted(actual) == sorted(expected)
    for relative in sorted(expected):
        # Compared as text first, so that pytest shows a readable diff of the first change.
        assert actual[relative].decode("utf-8") == expected[relative].decode("utf-8"), relative
