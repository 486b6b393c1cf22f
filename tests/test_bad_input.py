"""One fixture per kind of bad input: the exact message, exit status 1, and out/ untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, checked, run, snapshot

FIXTURES = ROOT / "tests" / "fixtures" / "bad"

EXPECTED = {
    "no-front-matter": "issues/008-no-front-matter.md:1: no front matter: the file must start "
    "with a line '---', then the issue's number, date and title, then another '---'",
    "unclosed-front-matter": "issues/008-unclosed.md:1: front matter is not closed: add a line "
    "'---' after it",
    "yaml-syntax-error": "issues/008-yaml-error.md:5: front matter: YAML syntax error: expected "
    "',' or ']', but got ':' (while parsing a flow sequence that starts at line 4): a value that "
    "starts with '[' is a list in YAML; put text in quotes",
    "yaml-unquoted-colon": "issues/008-colon.md:4: front matter: YAML syntax error: mapping values "
    "are not allowed here: put a value with ': ' in quotes, as in title: "
    '"WANG Yi: China and the EU"',
    "yaml-hash-in-value": "issues/008-hash.md:5: front matter: YAML syntax error: expected ',' or "
    "']', but got ':': a '#' after a space starts a comment in YAML; put a value with '#' in "
    'quotes, as in "#trade"',
    # the '#' found after quoted items, whose quotes may hold anything
    "yaml-hash-after-quoted": "issues/008-hash-quoted.md:5: front matter: YAML syntax error: "
    "expected ',' or ']', but got ':': a '#' after a space starts a comment in YAML; put a value "
    "with '#' in quotes, as in \"#trade\"",
    "yaml-tab-indent": "issues/008-tab.md:6: front matter: YAML syntax error: a tab in the "
    "indentation: indent with spaces",
    "yaml-unclosed-quote": 'issues/008-quote.md:4: front matter: YAML syntax error: the quote " '
    'that starts this value is never closed: end the value with "',
    "yaml-quoted-start": "issues/008-quoted-start.md:4: front matter: YAML syntax error: expected "
    "<block end>, but found '<scalar>': a value that starts with a quote ends with it; to quote "
    "part of it, put the whole value in quotes, as in title: "
    "'\"Multipolarity\" and its discontents'",
    "value-is-a-comment": "issues/008-comment.md:4: title: no value: a '#' after a space starts a "
    'comment in YAML; put the value in quotes, as in title: "#8: the week in review"',
    "level-one-heading": "issues/008-level-one.md:14: '# Summary' is a level-1 heading: a section "
    "starts with '## ', as in '## Summary'",
    "bad-date": "issues/008-bad-date.md:3: date: expected YYYY-MM-DD, got '2024-13-45'",
    "missing-section": "issues/008-missing-section.md:18: missing required section "
    "'Why It Matters'",
    "empty-section": "issues/008-empty-section.md:18: section 'Why It Matters' is empty",
    "repeated-section": "issues/008-repeated-section.md:36: section 'Summary' is repeated "
    "(first at line 14)",
    "out-of-order-section": "issues/008-out-of-order.md:18: section 'Summary' is out of order: "
    "the template puts it before 'Why It Matters'",
    "unknown-key": "issues/008-unknown-key.md:5: unknown key 'subtitel' (did you mean 'subtitle'?)",
    "missing-key": "issues/008-missing-key.md:2: missing required key 'title'",
    "duplicate-number": "issues/008-duplicate-number.md:2: number: 6 is already used by "
    "issues/006-zhao-long-china-russia.md\n"
    "issues/008-duplicate-number.md:2: warning: number: 6, but the file name starts with 008: "
    "fix the number, or rename the file to '006-duplicate-number.md'",
    "bad-slug": "issues/008_Bad_Slug.md:1: file name '008_Bad_Slug.md': the slug must be "
    "lowercase letters, digits and hyphens, as in '006-zhao-long-china-russia.md'",
    "non-utf8": "issues/008-latin1.md:16: not valid UTF-8 (byte 0xe9): save the file as UTF-8",
    "empty-file": "issues/008-empty.md:1: the file is empty: an issue starts with front matter "
    "between '---' lines",
    "raw-html": "issues/008-raw-html.md:16: raw HTML is not allowed in an issue: '<script>'; "
    "write it in Markdown",
    "raw-html-event-handler": "issues/008-event-handler.md:16: raw HTML is not allowed in an "
    'issue: \'<img src="chart.png" onerror="alert(1)">\'; write it in Markdown',
    "nul-byte": "issues/008-nul.md:16: control character U+0000 at column 28: an issue is plain "
    "text; remove it",
    "no-key-point": "issues/008-no-key-point.md:22: section 'Key Points' has no key point: "
    "start each one with a '### ' heading",
    "bad-id": "issues/008-bad-id.md:4: id: expected an absolute URI in ASCII with a lowercase "
    "scheme, such as 'tag:example.org,2024-10-07:issue-6', got "
    "'https://chinaffairs.example/issues/第八期'",
    "bad-tag-id": "issues/008-bad-tag-id.md:4: id: a tag URI is 'tag:', a lowercase domain, ',', "
    "a date, ':' and a name, as in 'tag:example.org,2024-10-07:issue-6', got "
    "'tag:ChinAffairs.example,2024:issue-8'",
    "duplicate-id": "issues/008-duplicate-id.md:4: id: "
    "'tag:chinaffairs.example,2024-10-07:issue-6' is already used by "
    "issues/006-zhao-long-china-russia.md",
    "empty-tag": "issues/008-empty-tag.md:4: tags: a tag must not be empty",
    "markup-in-title": "issues/008-markup-title.md:4: title: raw HTML is not allowed in front "
    "matter: '<b>'; write plain text",
    "markup-in-subject": "issues/008-markup-subject.md:5: subject: raw HTML is not allowed in "
    "front matter: '<script>'; write plain text",
    "markup-in-tag": "issues/008-markup-tag.md:7: tags: raw HTML is not allowed in front matter: "
    "'<img src=x onerror=alert(1)>'; write plain text",
    "markup-in-article-title": "issues/008-markup-article.md:6: article.title: raw HTML is not "
    "allowed in front matter: '<i>'; write plain text",
    "entity-in-title": "issues/008-entity-title.md:4: title: HTML entity '&amp;' in front matter: "
    "write the character itself ('&')",
    "tag-without-letters": "issues/008-tag-without-letters.md:4: tags: '+++' needs a letter or "
    "a digit: it names the topic's page",
    "reserved-slug": "issues/tags.md:1: file name 'tags.md': out/tags/ is the archive's own "
    "folder; rename the file",
    "bad-article-date": "issues/008-bad-article-date.md:11: article.date: expected YYYY, "
    "YYYY-MM or YYYY-MM-DD, got '2024-13'",
}


def test_every_fixture_has_an_expected_message() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_issue_is_reported_and_nothing_is_written(project: Path, case: str) -> None:
    assert run(project, "render").exit_code == 0
    before = snapshot(project / "out")
    for fixture in (FIXTURES / case).iterdir():
        shutil.copy(fixture, project / "issues" / fixture.name)

    # check prints on stdout, as linters do, with the counts; render on stderr
    result = run(project, "check")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == checked(EXPECTED[case])
    result = run(project, "render")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == EXPECTED[case] + "\n"
    assert snapshot(project / "out") == before


def test_every_error_of_every_file_is_reported_at_once(project: Path) -> None:
    for case in ("bad-date", "unknown-key", "empty-file"):
        for fixture in (FIXTURES / case).iterdir():
            shutil.copy(fixture, project / "issues" / fixture.name)
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        EXPECTED["bad-date"],
        EXPECTED["empty-file"],
        EXPECTED["unknown-key"],
        "Found 3 errors, 0 warnings.",
    ]


def test_unknown_section_is_a_warning_only(project: Path) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## Conclusion", "## Further Reading\n\nMore.\n\n## Conclusion"),
        encoding="utf-8",
    )
    result = run(project, "check", "--validate-only")
    assert result.exit_code == 0
    line = text[: text.index("## Conclusion")].count("\n") + 1
    assert result.stdout == (
        f"issues/006-zhao-long-china-russia.md:{line}: warning: unknown "
        "section 'Further Reading' (the template has: Summary, Why It "
        "Matters, Key Points, Conclusion, About the Author, About the "
        "Publication)\n"
        "2 issues OK, 1 warning.\n"
    )


def test_bom_and_crlf_line_endings_are_accepted(project: Path) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = run(project, "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("\n2 issues OK, 0 warnings.\n")


def test_section_titles_are_matched_loosely(project: Path) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Why It Matters", "## why it matters"), encoding="utf-8")
    assert run(project, "check").exit_code == 0
