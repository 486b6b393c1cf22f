"""`newsletter new`: the next issue from the template, as a draft whose hints `check` catches."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.scaffold import slugify

from .conftest import run

TITLE = "WANG Yi on China\u2013EU Relations: a \u201cNew\u201d Start"  # dash, curly quotes
ISSUE_8 = "issues/008-wang-yi-china-eu-relations-new.md"


def test_new_twice_gives_the_next_two_weeks(project: Path) -> None:
    first = run(project, "new", "--title", TITLE)
    assert (first.exit_code, first.stdout, first.stderr) == (
        0,
        f"Created {ISSUE_8}: issue 8 of 2024-10-21, a draft.\n",
        "",
    )
    second = run(project, "new")
    assert second.stdout == "Created issues/009-untitled.md: issue 9 of 2024-10-28, a draft.\n"

    text = (project / ISSUE_8).read_text(encoding="utf-8")
    assert text.startswith(f'---\nnumber: 8\ndate: 2024-10-21\ntitle: "{TITLE}"\n')
    assert "\nstatus: draft" in text
    assert "welcome readers to the 8th edition" in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Why It Matters",
        "## Key Points",
        "## Conclusion",
        "## About the Author",
        "## About the Publication",
    ]
    # every section holds one hint paragraph, and each hint starts with TK
    sections = text.split("\n## ")[1:]
    for section in sections:
        paragraphs = section.strip().split("\n\n")[1:]
        assert paragraphs and all(p.startswith(("TK: ", "### TK: ")) for p in paragraphs)
    nine = (project / "issues" / "009-untitled.md").read_text(encoding="utf-8")
    assert nine.startswith('---\nnumber: 9\ndate: 2024-10-28\ntitle: "TK: ')


def test_scaffold_renders_as_a_draft_and_check_flags_its_hints_once_published(
    project: Path,
) -> None:
    assert run(project, "new", "--title", TITLE).exit_code == 0
    result = run(project, "check")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("\n3 issues OK, 0 warnings.\n")

    assert run(project, "render").exit_code == 0
    draft_dir = project / "out" / Path(ISSUE_8).stem
    assert not draft_dir.exists()  # drafts are rendered only when asked
    assert run(project, "render", "8").exit_code == 0
    email = (draft_dir / "email.html").read_text(encoding="utf-8")
    assert "TK: Two or three paragraphs" in email
    assert Path(ISSUE_8).stem not in (project / "out" / "feed.xml").read_text(encoding="utf-8")

    path = project / ISSUE_8
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("status:")), "utf-8")
    result = run(project, "check")
    assert result.exit_code == 1
    # every hint is reported, on its line: the front matter's, the note's and each section's
    text = path.read_text(encoding="utf-8").splitlines()
    hint_lines = [number for number, line in enumerate(text, start=1) if "TK" in line]
    assert len(hint_lines) == 13
    assert result.stderr == ""
    assert result.stdout.splitlines()[3:] == [  # after the three emails' sizes
        *(
            f"{ISSUE_8}:{number}: placeholder 'TK' left in a published issue: write the text, "
            "or keep 'status: draft' until it is done"
            for number in hint_lines
        ),
        "3 issues checked: 13 errors, 0 warnings.",
    ]


def test_new_takes_a_date_and_never_overwrites(project: Path) -> None:
    result = run(project, "new", "--title", "Year-end review", "--date", "2024-12-30")
    assert result.stdout == (
        "Created issues/008-year-end-review.md: issue 8 of 2024-12-30, a draft.\n"
    )
    # a misnumbered issue holds the file name the next issue would get: it is kept as it is
    taken = project / "issues" / "009-year-end-review.md"
    issue_7 = (project / "issues" / "007-zhang-xin-china-russia-rapprochement.md").read_text(
        "utf-8"
    )
    taken.write_text(issue_7.replace("number: 7", "number: 5"), encoding="utf-8")
    result = run(project, "new", "--title", "Year-end review")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: issues/009-year-end-review.md already exists: newsletter new never overwrites "
        "a file\n"
    )
    assert taken.read_text(encoding="utf-8") == issue_7.replace("number: 7", "number: 5")


def test_a_date_time_issue_keeps_its_time_and_offset(project: Path) -> None:
    path = project / "issues" / "007-zhang-xin-china-russia-rapprochement.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date: 2024-10-14", "date: 2024-10-14T09:00:00+08:00"), "utf-8")
    assert run(project, "new").exit_code == 0
    new = (project / "issues" / "008-untitled.md").read_text(encoding="utf-8")
    assert "\ndate: 2024-10-21T09:00:00+08:00\n" in new


def test_the_first_issue_of_a_new_publication(project: Path) -> None:
    for path in (project / "issues").iterdir():
        path.unlink()
    result = run(project, "new", "--title", "Hello", "--date", "2025-01-06")
    assert result.stdout == "Created issues/001-hello.md: issue 1 of 2025-01-06, a draft.\n"


def test_sections_come_from_the_settings(project: Path) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '{ title = "About the Publication" },',
            '{ title = "About the Publication" },\n'
            '    { title = "Further Reading", required = false },',
        ),
        encoding="utf-8",
    )
    assert run(project, "new").exit_code == 0
    new = (project / "issues" / "008-untitled.md").read_text(encoding="utf-8")
    assert "## Further Reading\n\nTK: What goes under 'Further Reading'.\n" in new
    assert new.index("## About the Publication") < new.index("## Further Reading")
    assert run(project, "check").exit_code == 0  # the draft's hints are fine while it is one


def test_bad_date_is_one_line(project: Path) -> None:
    result = run(project, "new", "--date", "2024-13-01")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--date': '2024-13-01' does not match the format '%Y-%m-%d'."
    )


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "ZHAO Long on China-Russia Strategic Coordination in the context of Great Changes",
            "zhao-long-china-russia-strategic-coordination",
        ),
        ("Café society", "cafe-society"),
        ("赵隆 on BRICS", "brics"),
        ("赵隆", "untitled"),
        ("The", "the"),
    ],
)
def test_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug
