"""Mistakes that would pass silently: one fixture per warning, its exact message, exit status 0.

`check` prints them on stdout with its counts (`--strict` fails on them), `render` on stderr,
and a render that reads only what changed still reports those that show across issues.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, run

FIXTURES = ROOT / "tests" / "fixtures" / "warn"
ISSUE_7 = "issues/007-zhang-xin-china-russia-rapprochement.md"

EXPECTED = {
    "date-out-of-order": "issues/008-out-of-order.md:3: warning: date: 2024-10-10 is before the "
    "date of issue 7 (2024-10-14), yet the number 8 comes after it: is the date or the number "
    "wrong?",
    "repeated-date": "issues/008-repeated-date.md:3: warning: date: 2024-10-14 is also the date "
    f"of issue 7 ({ISSUE_7}): is one of them wrong?",
    "date-far-ahead": "issues/008-far-ahead.md:3: warning: date: 2025-10-21 is more than a year "
    "after the newest other issue (2024-10-14): is the year right?",
    "number-not-in-file-name": "issues/009-number-eight.md:2: warning: number: 8, but the file "
    "name starts with 009: fix the number, or rename the file to '008-number-eight.md'",
    "stray-files": "issues/008-text.txt:1: warning: not read: only files named '*.md' are "
    "issues; rename it to '008-text.md'\n"
    "issues/008-upper.MD:1: warning: not read: only files named '*.md' are issues; rename it "
    "to '008-upper.md'\n"
    "issues/x.markdown:1: warning: not read: only files named '*.md' are issues; rename it to "
    "'x.md'",
    "comment-in-title": "issues/008-comment.md:4: warning: title: YAML ends the value before "
    "' #8' (a comment); if the '#' is part of it, put the value in quotes, as in title: "
    '"Issue #8 of the week"',
    "level-one-heading": "issues/008-level-one.md:14: warning: '# Background' is a level-1 "
    "heading: a section starts with '## ', as in '## Background'",
}


def add(project: Path, case: str) -> int:
    """Copy the fixture's files into the project's issues/; how many of them are issues."""
    for fixture in (FIXTURES / case).iterdir():
        shutil.copy(fixture, project / "issues" / fixture.name)
    return sum(1 for p in (FIXTURES / case).iterdir() if p.suffix == ".md")


def test_every_fixture_has_an_expected_message() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_likely_mistake_is_a_warning_in_check_and_render(project: Path, case: str) -> None:
    issues = 2 + add(project, case)
    warnings = EXPECTED[case].count("\n") + 1
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"{EXPECTED[case]}\n{issues} issues OK, {warnings} warning{'s' * (warnings != 1)}.\n"
    )
    assert run(project, "check", "--validate-only", "--strict").exit_code == 1
    result = run(project, "render", "--drafts")
    assert result.exit_code == 0, result.output
    assert result.stderr == EXPECTED[case] + "\n"


def test_warnings_across_issues_outlive_an_incremental_render(project: Path) -> None:
    add(project, "repeated-date")
    assert run(project, "render").stderr == EXPECTED["repeated-date"] + "\n"
    # issue 7 changes: only it is read again, issue 8's warning comes from across the issues
    path = project / ISSUE_7
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result = run(project, "render")
    assert result.exit_code == 0
    assert result.stderr == EXPECTED["repeated-date"] + "\n"
    assert result.stdout.endswith("Rendered 3 issues into out/: 53 files, 20 changed, 3 removed.\n")
    # nothing changed: the summary of the last render, warnings and all
    assert run(project, "render").stderr == EXPECTED["repeated-date"] + "\n"


def test_the_newer_of_two_close_issues_is_not_far_ahead(project: Path) -> None:
    # a year and a day after issue 7 is flagged; the issues before it are not "ahead" of it
    text = (FIXTURES / "date-far-ahead" / "008-far-ahead.md").read_text(encoding="utf-8")
    (project / "issues" / "008-far-ahead.md").write_text(
        text.replace("date: 2025-10-21", "date: 2025-10-14"), encoding="utf-8"
    )
    result = run(project, "check", "--validate-only")
    assert result.stdout == "3 issues OK, 0 warnings.\n"


def test_a_typo_in_the_year_of_an_old_issue_is_one_warning(project: Path) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("date: 2024-10-07", "date: 2026-10-07"),
        encoding="utf-8",
    )
    result = run(project, "check", "--validate-only")
    # issue 7 is then dated before issue 6, but the far date explains it: said once
    assert result.stdout == (
        "issues/006-zhao-long-china-russia.md:3: warning: date: 2026-10-07 is more than a year "
        "after the newest other issue (2024-10-14): is the year right?\n"
        "2 issues OK, 1 warning.\n"
    )
