"""The render-Markdown stage: an issue's parts as HTML and as text, targets resolved, notes
numbered across the issue; and the text of a title. Nothing is laid out or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter import content, markdown
from newsletter.config import load_settings
from newsletter.issues import read_issue

from .conftest import ROOT

BASE = (ROOT / "tests" / "fixtures" / "placeholders" / "008-tk.md").read_text(encoding="utf-8")


def rendered(tmp_path: Path, **parts: str) -> content.RenderedIssue:
    """The issue 008-md with its note, Summary, key point or About the Author replaced."""
    source = BASE.replace("TK: a paragraph on the sanctions regime.", parts.get("summary", "S."))
    source = source.replace("A note.", parts.get("note", "A note."))
    source = source.replace("Point text.", parts.get("point", "Point text."))
    source = source.replace("Author text.", parts.get("author", "Author text."))
    path = tmp_path / "008-md.md"
    path.write_text(source, encoding="utf-8")
    issue, problems = read_issue(path, load_settings(ROOT))
    assert issue is not None, problems
    return content.render_issue(issue)


def test_relative_targets_are_made_absolute_against_the_issue_and_fragments_kept(
    tmp_path: Path,
) -> None:
    note = rendered(
        tmp_path,
        note="[last week](../007-x/), ![a chart](https://x.org/c.png), [notes](#fn1), "
        "[a](https://x.org/a)",
    ).note
    assert note.html == (
        '<p><a href="https://chinaffairs.example/007-x/">last week</a>, '
        '<img src="https://x.org/c.png" alt="a chart" style="max-width:100%;height:auto" />, '
        '<a href="#fn1">notes</a>, <a href="https://x.org/a">a</a></p>\n'
    )
    assert note.text == "last week [1], [a chart] [2], notes [3], a [4]"


def test_the_links_of_the_whole_issue_are_numbered_once_in_reading_order(tmp_path: Path) -> None:
    issue = rendered(
        tmp_path,
        note="[a](https://a.org/) [b](https://b.org/)",
        summary="[b again](https://b.org/) [c](https://c.org/)",
        point="[a again](https://a.org/) [d](https://d.org/)",
    )
    assert issue.links == ("https://a.org/", "https://b.org/", "https://c.org/", "https://d.org/")
    assert issue.sections[0].intro.text == "b again [2] c [3]"
    assert issue.sections[2].key_points[0].body.text == "a again [1] d [4]"


def test_inline_and_labelled_notes_share_one_numbering_and_the_first_definition_wins(
    tmp_path: Path,
) -> None:
    note = rendered(
        tmp_path,
        note="Inline^[An inline note with *emphasis*.] and labelled[^x].\n\n"
        "[^x]: The first definition.\n[^x]: A second one.",
    ).note
    assert note.text == (
        "Inline[^1] and labelled[^2].\n\n----------\n"
        "[^1] An inline note with emphasis.\n[^2] The first definition."
    )
    assert note.html.count('class="footnote-item"') == 2
    assert (
        '<li id="fn1" class="footnote-item" value="1"><p>An inline note with <em>emphasis</em>.'
        ' <a href="#fnref1" class="footnote-backref">↩︎</a></p></li>'
    ) in note.html
    assert "A second one" not in note.html


def test_a_note_defined_in_another_part_follows_the_part_that_refers_to_it(
    tmp_path: Path,
) -> None:
    issue = rendered(
        tmp_path,
        summary="A reference[^late], and [^late] again.",
        author="The author.\n\n[^late]: Defined under About the Author.",
    )
    summary, author = issue.sections[0].intro, issue.sections[3].intro
    assert summary.text == (
        "A reference[^1], and [^1] again.\n\n----------\n[^1] Defined under About the Author."
    )
    assert summary.html.count('href="#fnref1"') == 1  # 'fnref1:1' for the second reference
    assert 'href="#fnref1:1"' in summary.html
    assert (author.text, "footnote" in author.html) == ("The author.", False)


def test_section_and_key_point_titles_as_text_and_as_html(tmp_path: Path) -> None:
    source = BASE.replace("### One point", "### A `code`, *emphasis* and [a link](https://x.org/)")
    path = tmp_path / "008-md.md"
    path.write_text(source, encoding="utf-8")
    issue, problems = read_issue(path, load_settings(ROOT))
    assert issue is not None, problems
    point = content.render_issue(issue).sections[2].key_points[0]
    assert point.title == "A code, emphasis and a link"
    assert point.title_html == (
        'A <code>code</code>, <em>emphasis</em> and <a href="https://x.org/">a link</a>'
    )


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("**Bold** and `code`", "Bold and code"),
        ("An ![alt text](x.png) image", "An alt text image"),
        ("a\\\nb c  \nd", "a b c d"),
        ("  spaced  ", "spaced"),
        ("<b>tag</b> & {{ x }}", "tag & {{ x }}"),
    ],
)
def test_the_text_of_a_title(source: str, text: str) -> None:
    assert markdown.plain(source) == text


def test_quotes_and_dashes_are_printed_as_written() -> None:
    assert markdown.inline_to_html('"Quotes" -- and (c) ...') == (
        "&quot;Quotes&quot; -- and (c) ..."
    )
