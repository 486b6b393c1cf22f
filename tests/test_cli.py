"""The command line: help with examples, choosing issues, drafts, layout errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import main

from .conftest import SAMPLE, copy_sample, run

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
        f"layouts/email.txt:{number + 1}: 'newsletter.model.Issue object' "
        "has no attribute 'titel'\n"
    )
    assert not (project / "out").exists()


def run_in(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run `newsletter` from FOLDER, without -C, as an editor in a terminal does."""
    monkeypatch.chdir(folder)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_command_finds_the_project_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = project / "issues"
    result = run_in(issues, monkeypatch, "check", "--validate-only")
    assert (result.exit_code, result.stdout) == (0, "2 issues OK, 0 warnings.\n")
    result = run_in(project / "layouts", monkeypatch, "new", "--title", "Next week")
    assert result.stdout == "Created issues/008-next-week.md: issue 8 of 2024-10-21, a draft.\n"
    assert (issues / "008-next-week.md").is_file()
    # an issue named by its path is found from where the command runs
    result = run_in(issues, monkeypatch, "render", f"{SAMPLE}.md")
    assert result.stdout == "Rendered 1 issue into out/: 44 files, 44 changed.\n"
    assert (project / "out" / SAMPLE / "email.html").is_file()
    assert not (issues / "out").exists()
    result = run_in(issues, monkeypatch, "send", "6", "--to", "editor@example.org", "--dry-run")
    assert result.exit_code == 0 and result.stdout.startswith("MAIL FROM:<")


def test_a_pyproject_without_the_table_is_passed_by(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_sample(tmp_path / "project")
    tool = project / "tools" / "helper"
    tool.mkdir(parents=True)
    (tool / "pyproject.toml").write_text('[project]\nname = "helper"\n', encoding="utf-8")
    result = run_in(tool, monkeypatch, "check", "--validate-only")
    assert (result.exit_code, result.stdout) == (0, "2 issues OK, 0 warnings.\n")


def test_dash_c_wins_over_the_folder_the_command_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = copy_sample(tmp_path / "here"), copy_sample(tmp_path / "there")
    (there / "issues" / f"{SAMPLE}.md").unlink()
    result = run_in(here / "issues", monkeypatch, "-C", str(there), "check", "--validate-only")
    assert result.stdout == "1 issue OK, 0 warnings.\n"


def test_outside_a_project_every_command_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", "utf-8")
    for args in (
        ["render"],
        ["check"],
        ["new"],
        ["serve", "--port", "0"],
        ["send", "6", "--to", "a@b.org"],
    ):
        result = run_in(folder, monkeypatch, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            1,
            "",
            f"Error: no pyproject.toml with a [tool.newsletter] table in {folder.resolve()} or "
            "any folder above it: run newsletter in the project's folder, or name it with -C DIR\n",
        ), args
    # help needs no project
    assert run_in(folder, monkeypatch, "render", "--help").exit_code == 0


def test_dash_c_names_a_folder_without_a_project(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no pyproject.toml in {tmp_path.resolve()}: -C names the project folder, the one "
        "with pyproject.toml, issues/ and layouts/\n",
    )


def test_a_misspelt_table_is_found_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[tool.newsletter]", "[tool.newsleter]"), encoding="utf-8")
    line = text[: text.index("[tool.newsletter]")].count("\n") + 1
    result = run_in(project / "issues", monkeypatch, "render")
    assert (result.exit_code, result.stderr) == (
        1,
        f"pyproject.toml:{line}: unknown table [tool.newsleter] "
        "(did you mean [tool.newsletter]?)\n",
    )


def test_the_installed_command_finds_the_project_from_a_subfolder(project: Path) -> None:
    # a real process, started in issues/: the way an editor runs it
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from newsletter.cli import main; main()",
            "check",
            "--validate-only",
        ],
        cwd=project / "issues",
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "2 issues OK, 0 warnings.\n",
        "",
    )


def test_check_prints_sizes_and_problems_on_one_stream(project: Path) -> None:
    path = project / "issues" / f"{SAMPLE}.md"
    text = path.read_text(encoding="utf-8")
    heading = "## Further Reading\n\nTK\n\n"
    path.write_text(text.replace("## Conclusion", heading + "## Conclusion"), "utf-8")
    line = text[: text.index("## Conclusion")].count("\n") + 1
    result = run(project, "check")  # `newsletter check | less` shows it all
    assert (result.exit_code, result.stderr) == (1, "")
    size = (
        r"email\.html \d+\.\d KB \(Gmail clips over 102 KB\), "
        r"<style> \d\.\d KB \(Gmail drops it over 16 KB\)"
    )
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"issues/{ISSUE_7}\.md: {size}", lines[0]), lines[0]
    assert re.fullmatch(rf"issues/{SAMPLE}\.md: {size}", lines[1]), lines[1]
    assert lines[2:] == [
        f"issues/{SAMPLE}.md:{line}: warning: unknown section 'Further Reading' (the template "
        "has: Summary, Why It Matters, Key Points, Conclusion, About the Author, About the "
        "Publication)",
        f"issues/{SAMPLE}.md:{line + 2}: placeholder 'TK' left in a published issue: write the "
        "text, or keep 'status: draft' until it is done",
        "2 issues checked: 1 error, 1 warning.",
    ]
