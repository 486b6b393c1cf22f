"""The command line: help with examples, choosing issues, drafts, layout errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SAMPLE, run

ISSUE_7 = "007-zhang-xin-china-russia-rapprochement"


@pytest.mark.parametrize("command", ["render", "check", "new", "serve", "send"])
def test_help_has_an_example(project: Path, command: str) -> None:
    result = run(project, command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"newsletter {command}" in result.output


def test_version(project: Path) -> None:
    assert run(project, "--version").output == "newsletter, version 0.1.0\n"


def test_check_prints_a_summary(project: Path) -> None:
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "2 issues OK, 0 warnings.\n", "")
    assert not (project / "out").exists()


def test_render_one_issue_by_number_slug_or_path(project: Path) -> None:
    result = run(project, "render", "6")
    assert result.exit_code == 0
    assert result.output == "Rendered 1 issue into out/: 44 files, 44 changed.\n"
    assert (project / "out" / SAMPLE / "email.html").is_file()
    assert not (project / "out" / ISSUE_7).exists()
    assert run(project, "render", ISSUE_7).exit_code == 0
    assert run(project, "render", str(project / "issues" / f"{SAMPLE}.md")).exit_code == 0


def test_unknown_issue_is_one_line(project: Path) -> None:
    result = run(project, "render", "42")
    assert result.exit_code == 1
    assert result.stderr == "Error: no issue matches '42': give its number, slug or path\n"


def test_drafts_stay_out_of_feeds_and_archive(project: Path) -> None:
    path = project / "issues" / f"{ISSUE_7}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("number: 7\n", "number: 7\nstatus: draft\n"),
        encoding="utf-8",
    )
    assert run(project, "render").exit_code == 0
    out = project / "out"
    assert not (out / ISSUE_7).exists()
    assert ISSUE_7 not in (out / "feed.xml").read_text(encoding="utf-8")
    assert ISSUE_7 not in (out / "index.html").read_text(encoding="utf-8")
    assert run(project, "render", "--drafts").exit_code == 0
    assert (out / ISSUE_7 / "email.html").is_file()
    assert ISSUE_7 not in (out / "atom.xml").read_text(encoding="utf-8")


def test_layout_typo_fails_loudly_with_its_line(project: Path) -> None:
    path = project / "layouts" / "email.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if "issue.title | wrap" in line)
    lines[number] = lines[number].replace("issue.title", "issue.titel")
    path.write_text("".join(lines), encoding="utf-8")
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == (
        f"layouts/email.txt:{number + 1}: 'newsletter.issues.Issue object' "
        "has no attribute 'titel'\n"
    )
    assert not (project / "out").exists()
