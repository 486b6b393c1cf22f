"""Reproducible output: the same bytes whatever the hash seed, time zone, locale or render order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import copy_sample, run, snapshot

COMMAND = [sys.executable, "-c", "from newsletter.cli import main; main()"]
ENVIRONMENTS = [
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai", "LC_ALL": "C", "LANG": "C"},
    {
        "PYTHONHASHSEED": "random",
        "TZ": "America/St_Johns",
        "LC_ALL": "POSIX",
        "PYTHONUTF8": "0",
        "SOURCE_DATE_EPOCH": "0",
    },
    {
        "PYTHONHASHSEED": "1",
        "TZ": "Pacific/Kiritimati",
        "LANG": "tr_TR.UTF-8",  # not installed: Python falls back, and nothing may differ
        "LC_TIME": "de_DE.UTF-8",
        "SOURCE_DATE_EPOCH": "2000000000",
    },
]


def test_output_is_byte_identical_across_seeds_zones_and_locales(tmp_path: Path) -> None:
    reference = copy_sample(tmp_path / "reference")
    assert run(reference, "render").exit_code == 0
    expected = snapshot(reference / "out")
    renders = []
    for number, changes in enumerate(ENVIRONMENTS):
        project = copy_sample(tmp_path / f"project-{number}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
        env.pop("PYTHONHASHSEED", None)
        env.update(changes)
        renders.append(
            (
                project,
                subprocess.Popen(
                    [*COMMAND, "-C", str(project), "render"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                ),
            )
        )
    for project, render in renders:
        stdout, stderr = render.communicate(timeout=300)
        assert render.returncode == 0, stderr
        assert stdout == b"Rendered 2 issues into out/: 48 files, 48 changed.\n"
        assert snapshot(project / "out") == expected


def test_rendering_issue_by_issue_equals_a_full_render(tmp_path: Path) -> None:
    full = copy_sample(tmp_path / "full")
    assert run(full, "render").exit_code == 0
    piecemeal = copy_sample(tmp_path / "piecemeal")
    assert run(piecemeal, "render", "7").exit_code == 0
    assert run(piecemeal, "render", "6").exit_code == 0
    assert snapshot(piecemeal / "out") == snapshot(full / "out")

    # an edit, then only the edited issue rendered again: as if everything had been
    for project in (full, piecemeal):
        path = next((project / "issues").glob("006-*.md"))
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## Summary\n", "## Summary\n\nAn edit.\n", 1), "utf-8")
    assert run(piecemeal, "render", "6").exit_code == 0
    assert run(full, "render").exit_code == 0
    assert snapshot(piecemeal / "out") == snapshot(full / "out")
