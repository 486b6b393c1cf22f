"""The loader's rules for an issue's body: the editor's note, the sections of the template, key
points, raw HTML and nesting; and the rules across issues. Read by the loader (nothing rendered).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import load_settings
from newsletter.errors import InvalidInput
from newsletter.issues import Article, Author, Issue, load_issues, read_issue

from .conftest import ROOT, copy_sample

BASE = (ROOT / "tests" / "fixtures" / "placeholders" / "008-tk.md").read_text(encoding="utf-8")
BASE = BASE.replace("TK: a paragraph on the sanctions regime.", "Summary text.")
# the lines of BASE's headings, for the messages
SUMMARY, WHY, KEY_POINTS, AUTHOR, PUBLICATION, LAST = 14, 18, 22, 28, 32, 34


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the sample project; a test adds its issue files and removes them."""
    yield copy_sample(tmp_path_factory.mktemp("sections") / "project")


def read(sample: Path, text: str, name: str = "008-body.md") -> tuple[Issue | None, list[str]]:
    """The Issue (or None) and the problems of an issue file with TEXT."""
    path = sample / "issues" / name
    path.write_text(text, encoding="utf-8")
    try:
        issue, problems = read_issue(path, load_settings(sample))
    finally:
        path.unlink()
    return issue, [str(problem) for problem in problems]


def edit(old: str, new: str) -> str:
    """BASE with OLD (once in it) replaced by NEW."""
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def test_the_base_issue_is_valid_and_its_parts_are_where_written(sample: Path) -> None:
    assert BASE.split("\n")[SUMMARY - 1] == "## Summary"
    assert BASE.split("\n")[LAST - 1] == "Publication text."
    issue, problems = read(sample, BASE)
    assert (issue is not None, problems) == (True, [])
    assert issue is not None
    assert issue.note == "A note."
    assert [(s.title, s.key, s.line, s.body) for s in issue.sections] == [
        ("Summary", "summary", SUMMARY, "Summary text."),
        ("Why It Matters", "why it matters", WHY, "Why text."),
        ("Key Points", "key points", KEY_POINTS, "### One point\n\nPoint text."),
        ("About the Author", "about the author", AUTHOR, "Author text."),
        ("About the Publication", "about the publication", PUBLICATION, "Publication text."),
    ]
    points = issue.sections[2].key_points
    assert [(p.title, p.body, p.line) for p in points] == [("One point", "Point text.", 24)]
    assert issue.sections[2].intro == ""


def test_key_points_with_an_intro_and_deeper_headings_in_their_bodies(sample: Path) -> None:
    text = edit(
        "### One point\n\nPoint text.",
        "Three points:\n\n### First\n\nOne.\n\n#### A detail\n\nMore.\n\n### Second `code`\n\nTwo.",
    )
    issue, problems = read(sample, text)
    assert issue is not None, problems
    section = issue.sections[2]
    assert section.intro == "Three points:"
    assert [(p.title, p.body, p.line) for p in section.key_points] == [
        ("First", "One.\n\n#### A detail\n\nMore.", 26),
        ("Second `code`", "Two.", 34),
    ]


def test_a_level_three_heading_elsewhere_is_not_a_key_point(sample: Path) -> None:
    issue, problems = read(sample, edit("Why text.", "### A subheading\n\nWhy text."))
    assert issue is not None, problems
    assert [s.key_points for s in issue.sections][:2] == [(), ()]


def test_no_sections_at_all_names_each_missing_one_at_the_last_line(sample: Path) -> None:
    text = BASE[: BASE.index("## Summary")] + "Only a note.\n\n"
    issue, problems = read(sample, text)
    assert issue is None
    titles = ("Summary", "Why It Matters", "Key Points", "About the Author", "Publication")
    assert problems == [
        f"issues/008-body.md:14: missing required section '{title.replace('Pub', 'About the Pub')}'"
        for title in titles
    ]


def test_a_missing_section_is_reported_where_the_next_one_starts(sample: Path) -> None:
    text = edit("## About the Author\n\nAuthor text.\n\n", "")
    assert read(sample, text)[1] == [
        f"issues/008-body.md:{AUTHOR}: missing required section 'About the Author'"
    ]
    text = edit("\n\n## About the Publication\n\nPublication text.", "") + "\n\n"
    assert read(sample, text)[1] == [
        f"issues/008-body.md:{AUTHOR + 2}: missing required section 'About the Publication'"
    ]


def test_the_optional_section_may_be_left_out_but_not_left_empty(sample: Path) -> None:
    text = edit("## About the Author", "## Conclusion\n\n## About the Author")
    assert read(sample, text)[1] == [f"issues/008-body.md:{AUTHOR}: section 'Conclusion' is empty"]
    text = edit("## About the Author", "## Conclusion\n\nIt ends.\n\n## About the Author")
    issue, problems = read(sample, text)
    assert issue is not None, problems
    assert [s.title for s in issue.sections][3] == "Conclusion"


@pytest.mark.parametrize("written", ["why it matters", "Why it Matters!", "WHY  IT — MATTERS"])
def test_section_titles_match_whatever_their_case_and_punctuation(
    sample: Path, written: str
) -> None:
    issue, problems = read(sample, edit("## Why It Matters", f"## {written}"))
    assert issue is not None, problems
    assert (issue.sections[1].title, issue.sections[1].key) == (written, "why it matters")


def test_an_unknown_section_is_a_warning_with_a_hint_when_one_is_close(sample: Path) -> None:
    text = edit("## About the Author", "## Why It Maters\n\nTypo.\n\n## About the Author")
    issue, problems = read(sample, text)
    assert issue is not None
    assert problems == [
        f"issues/008-body.md:{AUTHOR}: warning: unknown section 'Why It Maters' "
        "(did you mean 'Why It Matters'?)"
    ]
    text = edit("## About the Author", "## Further Reading\n\nMore.\n\n## About the Author")
    assert read(sample, text)[1] == [
        f"issues/008-body.md:{AUTHOR}: warning: unknown section 'Further Reading' (the template "
        "has: Summary, Why It Matters, Key Points, Conclusion, About the Author, About the "
        "Publication)"
    ]


def test_a_section_out_of_order_is_reported_once_and_the_rest_still_checked(sample: Path) -> None:
    text = edit("## Summary\n\nSummary text.\n\n", "") + "\n## Summary\n\nLate.\n"
    assert read(sample, text)[1] == [
        "issues/008-body.md:32: section 'Summary' is out of order: the template puts it before "
        "'About the Publication'"
    ]


def test_a_block_of_raw_html_is_reported_at_its_first_line(sample: Path) -> None:
    text = edit("Why text.", 'Why text.\n\n<div class="box">\n  Boxed.\n</div>')
    assert read(sample, text)[1] == [
        f"issues/008-body.md:{WHY + 4}: raw HTML is not allowed in an issue: "
        "'<div class=\"box\">'; write it in Markdown"
    ]


def test_raw_html_is_quoted_up_to_40_characters(sample: Path) -> None:
    tag = '<span class="a-class-name-that-runs-on-and-on">'
    assert read(sample, edit("Why text.", f"Why {tag}text</span>."))[1] == [
        f"issues/008-body.md:{WHY + 2}: raw HTML is not allowed in an issue: {tag[:40]!r}; "
        "write it in Markdown"
    ]


def test_raw_html_is_reported_once_per_line(sample: Path) -> None:
    text = edit("Why text.", "Why <b>bold</b> text.\n\nAnd <i>one</i> more.")
    assert read(sample, text)[1] == [
        f"issues/008-body.md:{line}: raw HTML is not allowed in an issue: {tag!r}; write it in "
        "Markdown"
        for line, tag in ((WHY + 2, "<b>"), (WHY + 4, "<i>"))
    ]


def test_31_quotes_deep_are_read_and_32_refused(sample: Path) -> None:
    # 32 levels of the parser's: a quote is one, and so is the paragraph in the innermost one
    deep = "> " * 31 + "Quoted."
    issue, problems = read(sample, edit("Why text.", deep))
    assert issue is not None, problems
    problems = read(sample, edit("Why text.", "> " + deep))[1]
    assert problems == [
        f"issues/008-body.md:{WHY + 2}: lists, quotes, links or emphasis nested more than 32 "
        "levels deep: flatten them"
    ]


def test_emphasis_nested_too_deeply_is_refused_at_its_line(sample: Path) -> None:
    assert read(sample, edit("Point text.", "*" * 62 + "x" + "*" * 62))[1] == []
    deep = "*" * 63 + "x" + "*" * 63
    problems = read(sample, edit("Point text.", f"Point\ntext {deep}."))[1]
    assert problems == [
        "issues/008-body.md:26: lists, quotes, links or emphasis nested more than 32 levels "
        "deep: flatten them"
    ]


def test_the_people_and_the_publication_are_named_in_full() -> None:
    article = Article(
        "T", (Author("ZHAO Long", "赵隆"), Author("LI Wei")), "Russian Studies", "《俄罗斯研究》"
    )
    assert article.byline == "ZHAO Long 赵隆, LI Wei"
    assert article.source == "Russian Studies 《俄罗斯研究》"
    assert Author("LI Wei").full_name == "LI Wei"


def test_issues_are_listed_newest_first_and_by_number_on_one_day(sample: Path) -> None:
    extra = {
        "008-a.md": BASE.replace("number: 8", "number: 8").replace("2024-10-21", "2024-10-14"),
        "009-b.md": BASE.replace("number: 8", "number: 9").replace("2024-10-21", "2024-10-14"),
    }
    for name, text in extra.items():
        (sample / "issues" / name).write_text(text, encoding="utf-8")
    try:
        issues, problems = load_issues(load_settings(sample))
    finally:
        for name in extra:
            (sample / "issues" / name).unlink()
    assert [p for p in problems if p.severity == "error"] == []  # (two on one day: a warning)
    assert [(i.number, i.date.date().isoformat()) for i in issues] == [
        (9, "2024-10-14"),
        (8, "2024-10-14"),
        (7, "2024-10-14"),
        (6, "2024-10-07"),
    ]


def test_a_reused_number_or_id_is_reported_on_the_later_file_by_name(sample: Path) -> None:
    pinned = BASE.replace("number: 8", "number: 8\nid: tag:chinaffairs.example,2024:x")
    extra = {
        "008-a.md": pinned,
        "009-b.md": pinned.replace("number: 8", "number: 9"),
        "010-c.md": BASE.replace("number: 8", "number: 7"),
    }
    for name, text in extra.items():
        (sample / "issues" / name).write_text(text, encoding="utf-8")
    try:
        with pytest.raises(InvalidInput) as raised:
            load_issues(load_settings(sample))
    finally:
        for name in extra:
            (sample / "issues" / name).unlink()
    assert [str(problem) for problem in raised.value.problems if problem.severity == "error"] == [
        "issues/009-b.md:3: id: 'tag:chinaffairs.example,2024:x' is already used by "
        "issues/008-a.md",
        "issues/010-c.md:2: number: 7 is already used by "
        "issues/007-zhang-xin-china-russia-rapprochement.md",
    ]


def test_a_project_without_issues_says_where_to_add_one(tmp_path: Path) -> None:
    project = copy_sample(tmp_path / "project")
    for path in (project / "issues").iterdir():
        path.unlink()
    with pytest.raises(InvalidInput) as raised:
        load_issues(load_settings(project))
    assert [str(problem) for problem in raised.value.problems] == [
        f"issues:1: no issues: add a Markdown file to {project / 'issues'}"
    ]
