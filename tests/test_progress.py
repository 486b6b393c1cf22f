"""Long runs show progress: a render of more than a few issues draws a bar on stderr."""

from __future__ import annotations

from pathlib import Path

from .conftest import run


def test_a_long_render_shows_progress_and_a_short_one_does_not(project: Path) -> None:
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (0, "")
    for _ in range(4):
        assert run(project, "new").exit_code == 0
    # --force: the two issues rendered above are up to date, and four are too few for a bar
    result = run(project, "render", "--drafts", "--force")
    assert result.exit_code == 0
    # off a terminal, click prints the bar's label once rather than redrawing the bar
    assert result.stderr == "Rendering\n"
    assert result.stdout == "Rendered 6 issues into out/: 64 files, 16 changed.\n"
