"""The loader's rules, one fixture per rule: each issue file of tests/fixtures/front-matter breaks
one rule of the front matter and gets its exact message.

The files are read by `load_issues` beside the sample issues (fast: nothing is rendered); one
`newsletter check` then reads them all at once. The bad-input fixtures of test_bad_input.py are
read here the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsletter.config import load_settings
from newsletter.errors import InvalidInput
from newsletter.issues import Issue, load_issues, read_issue

from . import test_bad_input
from .conftest import ROOT, copy_sample, run

FIXTURES = ROOT / "tests" / "fixtures" / "front-matter"

# case: its messages, as `newsletter check` prints them after 'issues/008-CASE.md'
EXPECTED: dict[str, list[str]] = {
    "no-article": [":1: missing required key 'article'"],
    "article-not-a-mapping": [
        ":6: article: expected a mapping of keys, got 'An article, by ZHAO Long'"
    ],
    "no-article-title": [":6: missing required key 'article.title'"],
    "no-publication": [":6: missing required key 'article.publication'"],
    "empty-publication": [":11: article.publication: must not be empty"],
    "no-authors": [":6: article.authors: list at least one author, each with a 'name'"],
    "empty-authors": [":8: article.authors: list at least one author, each with a 'name'"],
    "author-not-a-mapping": [":9: article.authors[1]: expected 'name:' (and 'name_native:')"],
    "no-author-name": [":9: missing required key 'article.authors[1].name'"],
    "unknown-author-key": [":11: unknown key 'article.authors[1].affiliation'"],
    "unknown-article-key": [":12: unknown key 'article.publisher'"],
    "ftp-article-url": [
        ":12: article.url: expected an absolute http(s) URL, got 'ftp://example.org/article.pdf'"
    ],
    "relative-article-url": [":12: article.url: expected an absolute http(s) URL, got '/article'"],
    "bad-doi": [":13: article.doi: expected a DOI such as '10.1234/abcd', got '10.12/abcd'"],
    "doi-with-spaces": [
        ":13: article.doi: expected a DOI such as '10.1234/abcd', got '10.1234/abcd 2024'"
    ],
    "no-number": [":2: missing required key 'number'"],
    "number-zero": [":2: number: expected a positive integer, got 0"],
    "number-too-long": [":2: front matter: a number too long to read"],
    "no-date": [":2: missing required key 'date'"],
    "date-time-without-offset": [
        ":3: date: a date-time needs an offset, as in '2024-10-21T09:30:00+00:00', "
        "got '2024-10-21T09:30:00'"
    ],
    "bad-updated": [":4: updated: expected YYYY-MM-DD, got '2024-10-32'"],
    "updated-before-date": [":4: updated: must not be before the issue's date"],
    "bad-status": [":4: status: expected 'draft' or 'published', got 'finished'"],
    "title-not-text": [":4: title: expected text, got a list"],
    "empty-title": [":4: title: must not be empty"],
    "preheader-not-text": [":5: preheader: expected text, got a list"],
    "control-character": [":5: subtitle: control character U+0007 is not allowed"],
    "tags-not-a-list": [":4: tags: expected a list of words, as in [SCO, BRICS]"],
    "repeated-key": [":5: title: repeated key (first at line 4)"],
    "key-not-a-name": [":4: front matter: keys must be plain names"],
    "alias": [":6: front matter: aliases ('*name') are not supported; write the value out"],
    "value-not-its-tag": [
        ":5: front matter: 'maybe' is not a valid bool; write the value as plain text, "
        "without a '!!' tag"
    ],
    "not-key-value": [":2: front matter: expected 'key: value' lines"],
    "alias-not-a-slug": [
        ":5: aliases: 'Old Slug' is not a slug: lowercase letters, digits and hyphens, "
        "as in [006-old-slug]"
    ],
    "alias-written-as-text": [
        ":5: aliases: 'Old Slug' is not a slug: lowercase letters, digits and hyphens, "
        "as in [006-old-slug]"
    ],
    "alias-own-slug": [":5: aliases: '008-alias-own-slug' is this issue's own slug; remove it"],
    "aliases-not-a-list": [":5: aliases: expected a list of earlier slugs, as in [006-old-slug]"],
    "tag-written-as-text": [
        ":5: tags: raw HTML is not allowed in front matter: '<b>'; write plain text"
    ],
    "empty-front-matter": [
        ":1: missing required key 'article'",
        ":2: missing required key 'date'",
        ":2: missing required key 'number'",
        ":2: missing required key 'title'",
    ],
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the sample project, to which each test adds its issue files and removes them."""
    yield copy_sample(tmp_path_factory.mktemp("front-matter") / "project")


def load(project: Path, *files: Path) -> tuple[list[Issue], list[str]]:
    """Load the project's issues with FILES added: the issues, and every problem as printed."""
    added = [project / "issues" / file.name for file in files]
    for file, target in zip(files, added, strict=True):
        shutil.copy(file, target)
    try:
        issues, problems = load_issues(load_settings(project))
    except InvalidInput as error:
        return [], [str(problem) for problem in error.problems]
    finally:
        for target in added:
            target.unlink()
    return issues, [str(problem) for problem in problems]


def test_every_fixture_has_its_messages() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(f"008-{c}.md" for c in EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_rule_gets_its_message(sample: Path, case: str) -> None:
    issues, problems = load(sample, FIXTURES / f"008-{case}.md")
    assert issues == []
    assert problems == [f"issues/008-{case}.md{message}" for message in EXPECTED[case]]
    # an issue with an error is never handed on, whichever key has it
    assert read_issue(FIXTURES / f"008-{case}.md", load_settings(sample))[0] is None


@pytest.mark.parametrize("case", sorted(test_bad_input.EXPECTED))
def test_each_bad_input_gets_its_message_from_the_loader(sample: Path, case: str) -> None:
    files = sorted((test_bad_input.FIXTURES / case).iterdir())
    assert load(sample, *files) == ([], test_bad_input.EXPECTED[case].split("\n"))


def test_check_reports_every_rule_broken_in_every_file_at_once(sample: Path) -> None:
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, sample / "issues" / fixture.name)
    try:
        result = run(sample, "check")
    finally:
        for fixture in FIXTURES.iterdir():
            (sample / "issues" / fixture.name).unlink()
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines()[:-1] == [  # check prints on stdout, then the count
        f"issues/{name}{message}"
        for name, case in sorted((f"008-{case}.md", case) for case in EXPECTED)
        for message in EXPECTED[case]
    ]


def with_line(line: str, new: str) -> str:
    """The base fixture's text with its line LINE (unique) replaced by NEW."""
    text = (FIXTURES / "008-preheader-not-text.md").read_text(encoding="utf-8")
    text = text.replace("preheader: [a, b]\n", "")
    assert text.count(f"\n{line}\n") == 1
    return text.replace(f"\n{line}\n", f"\n{new}\n")


def problems_in(sample: Path, text: str) -> list[str]:
    """The problems of an issue file with TEXT, read beside the sample issues."""
    path = sample / "008-case.md"
    path.write_text(text, encoding="utf-8")
    try:
        return load(sample, path)[1]
    finally:
        path.unlink()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!bool maybe", "'maybe' is not a valid bool"),
        ("!!bool ''", "'' is not a valid bool"),
        ("!!int ''", "'' is not a valid int"),
        ("!!int eight", "'eight' is not a valid int"),
        ("!!float ''", "'' is not a valid float"),
        ("!!timestamp soon", "'soon' is not a valid timestamp"),
        ("!!binary abc", "failed to decode base64 data: Incorrect padding"),
        (
            "!!python/name:os.system",
            "could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system'",
        ),
        ("!local x", "could not determine a constructor for the tag '!local'"),
        ("8" * 4301, "a number too long to read"),
    ],
)
def test_a_value_its_tag_does_not_fit_is_one_line_not_a_traceback(
    sample: Path, value: str, message: str
) -> None:
    problems = problems_in(sample, with_line("number: 8", f"number: {value}"))
    if "too long" not in message:
        message += "; write the value as plain text, without a '!!' tag"
    assert problems[0] == f"issues/008-case.md:2: front matter: {message}"


ALIAS = "front matter: aliases ('*name') are not supported; write the value out"
BAD_INT = "front matter: 'x' is not a valid int; write the value as plain text, without a '!!' tag"


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        ("number: &n 8", "number: !!int x", f"2: {BAD_INT}"),
        ("date: 2024-10-21", "date: *n", f"3: {ALIAS}"),
        ("date: 2024-10-21", "date: &day 2024-10-21\nupdated: *day", f"4: {ALIAS}"),
        ("title: One front-matter rule broken at a time", "title: *n", f"4: {ALIAS}"),
        ("date: 2024-10-21", "date: 2024-10-21\nsubject: *n", f"4: {ALIAS}"),
        ("date: 2024-10-21", "date: 2024-10-21\nstatus: *n", f"4: {ALIAS}"),
        ("date: 2024-10-21", "date: 2024-10-21\ntags: *n", f"4: {ALIAS}"),
        ("date: 2024-10-21", "date: 2024-10-21\ntags: [SCO, !!int x]", f"4: {BAD_INT}"),
        ("article:", "article: *n", f"6: {ALIAS}"),
        ("  title: An article", "  title: *n", f"7: {ALIAS}"),
        (
            "  authors:\n    - name: ZHAO Long\n      name_native: 赵隆",
            "  authors: *n",
            f"8: {ALIAS}",
        ),
        ("    - name: ZHAO Long", "    - !!int x\n    - name: ZHAO Long", f"9: {BAD_INT}"),
        ("    - name: ZHAO Long", "    - name: *n", f"9: {ALIAS}"),
        ("  publication: Russian Studies", "  publication: *n", f"11: {ALIAS}"),
    ],
)
def test_a_value_yaml_cannot_give_is_reported_once_where_it_is_written(
    sample: Path, line: str, new: str, message: str
) -> None:
    text = with_line("number: 8", "number: &n 8")
    if line == "article:":  # the article's own keys go with it
        text = text[: text.index("article:")] + "article: *n\n---\n" + text.split("\n---\n", 1)[1]
    else:
        text = text.replace(f"\n{line}\n", f"\n{new}\n")
    assert problems_in(sample, text) == [f"issues/008-case.md:{message}"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("-1", "-1"),
        ("1.5", "1.5"),
        ("true", "True"),
        ("'8'", "'8'"),
        ("", "None"),
        ("[8]", "a list"),
        ("{n: 8}", "a mapping"),
    ],
)
def test_the_number_is_a_positive_integer(sample: Path, value: str, shown: str) -> None:
    assert problems_in(sample, with_line("number: 8", f"number: {value}")) == [
        f"issues/008-case.md:2: number: expected a positive integer, got {shown}"
    ]


def read(sample: Path, text: str) -> Issue:
    """The Issue that an issue file with TEXT gives; it has no problem."""
    path = sample / "issues" / "008-case.md"
    path.write_text(text, encoding="utf-8")
    try:
        issue, problems = read_issue(path, load_settings(sample))
    finally:
        path.unlink()
    assert issue is not None, problems
    assert problems == []
    return issue


@pytest.mark.parametrize(
    "written",
    [
        "10.1234/abcd.2024",
        "https://doi.org/10.1234/abcd.2024",
        "http://dx.doi.org/10.1234/abcd.2024",
        "HTTPS://DOI.ORG/10.1234/abcd.2024",
        "doi:10.1234/abcd.2024",
    ],
)
def test_a_doi_may_be_written_as_its_url(sample: Path, written: str) -> None:
    issue = read(sample, with_line("  doi: 10.1234/abcd.2024", f"  doi: {written}"))
    assert issue.article.doi == "10.1234/abcd.2024"
    assert issue.article.doi_url == "https://doi.org/10.1234/abcd.2024"


def test_what_the_optional_keys_default_to(sample: Path) -> None:
    issue = read(sample, with_line("  doi: 10.1234/abcd.2024", ""))
    assert (issue.subject, issue.preheader) == (issue.title, issue.subtitle)
    assert (issue.status, issue.is_draft, issue.tags) == ("published", False, ())
    assert issue.updated == issue.date == datetime(2024, 10, 21, tzinfo=UTC)
    assert issue.id == "tag:chinaffairs.example,2024-10-21:issue-8"
    assert issue.id_line == 2
    assert (issue.article.doi, issue.article.doi_url) == ("", "")
    assert issue.article.byline == "ZHAO Long 赵隆"
    assert issue.article.source == "Russian Studies"
    assert issue.url == "https://chinaffairs.example/008-case/"


def test_every_optional_key_is_read(sample: Path) -> None:
    text = with_line(
        "date: 2024-10-21",
        "date: 2024-10-21T09:30:00+08:00\n"
        "updated: 2024-10-23\n"
        "subject: The subject\n"
        "preheader: The preheader\n"
        "status: draft\n"
        "tags: [SCO,  Multipolar\n  World]\n"
        "id: tag:chinaffairs.example,2024:eight",
    ).replace(
        "  publication: Russian Studies",
        "  publication: 俄罗斯研究\n  publication_native: 《俄罗斯研究》",
    )
    issue = read(sample, text)
    assert (issue.subject, issue.preheader, issue.status) == (
        "The subject",
        "The preheader",
        "draft",
    )
    assert issue.is_draft
    assert issue.tags == ("SCO", "Multipolar World")
    assert (issue.id, issue.id_line) == ("tag:chinaffairs.example,2024:eight", 10)
    assert issue.date == datetime(2024, 10, 21, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert issue.updated == datetime(2024, 10, 23, tzinfo=UTC)
    assert issue.article.source == "俄罗斯研究 《俄罗斯研究》"
    assert issue.article.url == "https://example.org/article"


def test_a_title_over_several_lines_is_one_line(sample: Path) -> None:
    text = with_line(
        "title: One front-matter rule broken at a time", "title: >-\n  One rule\n\n  at a time"
    )
    assert read(sample, text).title == "One rule at a time"


def test_a_single_tag_may_be_written_without_brackets(sample: Path) -> None:
    text = with_line("date: 2024-10-21", "date: 2024-10-21\ntags: China-Russia")
    assert read(sample, text).tags == ("China-Russia",)


def test_the_front_matter_may_end_with_three_dots(sample: Path) -> None:
    text = with_line("  doi: 10.1234/abcd.2024", "  doi: 10.1234/abcd.2024\n...")
    text = text.replace("\n...\n---\n", "\n...\n", 1)
    assert read(sample, text).note == "A note."


def test_a_draft_may_be_marked_published(sample: Path) -> None:
    text = with_line("date: 2024-10-21", "date: 2024-10-21\nstatus: published")
    assert not read(sample, text).is_draft


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("008-wang-yi", True),
        ("8", True),
        ("2024-10-21-a1", True),
        ("008_wang_yi", False),
        ("008--wang", False),
        ("-008", False),
        ("008-", False),
        ("008-Wang", False),
        ("008-王毅", False),
        ("008 wang", False),
    ],
)
def test_the_slug_is_lowercase_letters_digits_and_single_hyphens(
    sample: Path, name: str, valid: bool
) -> None:
    path = sample / "issues" / f"{name}.md"
    path.write_text(with_line("number: 8", "number: 8"), encoding="utf-8")
    try:
        issue, problems = read_issue(path, load_settings(sample))
    finally:
        path.unlink()
    assert (issue is not None) == valid
    slug = (
        f"issues/{name}.md:1: file name '{name}.md': the slug must be lowercase letters, "
        "digits and hyphens, as in '006-zhao-long-china-russia.md'"
    )
    errors = [str(p) for p in problems if p.severity == "error"]  # (a number unlike the name
    assert errors == ([] if valid else [slug])  # is only a warning)


@pytest.mark.parametrize(
    ("char", "refused"),
    [
        ("\x00", True),
        ("\x08", True),
        ("\x0b", True),
        ("\x0c", True),
        ("\x0e", True),
        ("\x1f", True),
        ("\ufffe", True),
        ("\uffff", True),
        ("\t", False),
        ("\x7f", False),
        ("\u00a0", False),
        ("\ufffd", False),
    ],
)
def test_control_characters_are_refused_at_their_line_and_column(
    sample: Path, char: str, refused: bool
) -> None:
    text = with_line("Summary text.", f"Summary{char}text.")
    problems = problems_in(sample, text)
    assert problems == (
        [
            f"issues/008-case.md:20: control character U+{ord(char):04X} at column 8: an issue "
            "is plain text; remove it"
        ]
        if refused
        else []
    )


@pytest.mark.parametrize(
    ("doi", "valid"),
    [
        ("10.1234/x", True),
        ("10.123456789/x", True),
        ("10.123/x", False),
        ("10.1234567890/x", False),
        ("10.1234/", False),
        ("11.1234/x", False),
        ("10,1234/x", False),
        ("prefix 10.1234/x", False),
    ],
)
def test_a_doi_has_a_registrant_of_four_to_nine_digits(sample: Path, doi: str, valid: bool) -> None:
    problems = problems_in(sample, with_line("  doi: 10.1234/abcd.2024", f"  doi: '{doi}'"))
    assert problems == (
        []
        if valid
        else [
            f"issues/008-case.md:13: article.doi: expected a DOI such as '10.1234/abcd', "
            f"got {doi!r}"
        ]
    )


@pytest.mark.parametrize(
    ("pinned", "problem"),
    [
        ("https://chinaffairs.example/issues/8", ""),
        ("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", ""),
        ("tag:chinaffairs.example,2024-10-21:issue-8", ""),
        ("tag:editors@chinaffairs.example,2024:eight#one", ""),
        ("tag:chinaffairs.example,2024-10:8", ""),
        ("Tag:chinaffairs.example,2024:8", "uri"),
        ("no-scheme", "uri"),
        ("https://chinaffairs.example/第八期", "uri"),
        ("tag:ChinAffairs.example,2024:8", "tag"),
        ("tag:chinaffairs.example:8", "tag"),
        ("tag:chinaffairs.example,24:8", "tag"),
        ("tag:-chinaffairs.example,2024:8", "tag"),
        ("tag:chinaffairs-.example,2024:8", "tag"),
    ],
)
def test_a_pinned_feed_id_is_an_ascii_uri_and_a_tag_uri_follows_rfc_4151(
    sample: Path, pinned: str, problem: str
) -> None:
    text = with_line("date: 2024-10-21", f"date: 2024-10-21\nid: '{pinned}'")
    messages = {
        "uri": "id: expected an absolute URI in ASCII with a lowercase scheme, such as "
        f"'tag:example.org,2024-10-07:issue-6', got {pinned!r}",
        "tag": "id: a tag URI is 'tag:', a lowercase domain, ',', a date, ':' and a name, as in "
        f"'tag:example.org,2024-10-07:issue-6', got {pinned!r}",
    }
    problems = problems_in(sample, text)
    assert problems == ([f"issues/008-case.md:4: {messages[problem]}"] if problem else [])


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        (
            "      name_native: 赵隆",
            "      name_native: [赵, 隆]",
            "10: article.authors[1].name_native",
        ),
        ("  doi: 10.1234/abcd.2024", "  doi: [10.1234]", "13: article.doi"),
        ("  url: https://example.org/article", "  url: {a: b}", "12: article.url"),
        ("  publication: Russian Studies", "  publication: [a]", "11: article.publication"),
        ("subtitle: Each fixture changes one line of this front matter.", "subtitle: 1.5", ""),
        ("date: 2024-10-21", "date: 2024-10-21\nstatus: [draft]", "4: status"),
        ("date: 2024-10-21", "date: 2024-10-21\nid: [x]", "4: id"),
    ],
)
def test_each_text_key_says_when_its_value_is_not_text(
    sample: Path, line: str, new: str, message: str
) -> None:
    problems = problems_in(sample, with_line(line, new))
    kind = "a mapping" if "{" in new else "a list"
    assert problems == (
        [f"issues/008-case.md:{message}: expected text, got {kind}"] if message else []
    )


def test_a_character_yaml_refuses_is_reported_at_its_line(sample: Path) -> None:
    text = with_line("title: One front-matter rule broken at a time", "title: One\x9brule")
    assert problems_in(sample, text) == [
        "issues/008-case.md:4: front matter: character U+009B is not allowed"
    ]


def test_the_first_issue_is_number_1_and_a_correction_may_be_dated_the_same_day(
    sample: Path,
) -> None:
    text = with_line("number: 8", "number: 8").replace(
        "date: 2024-10-21", "date: 2024-10-21\nupdated: 2024-10-21"
    )
    path = sample / "issues" / "001-case.md"  # numbered as its file is
    path.write_text(text.replace("number: 8", "number: 1"), encoding="utf-8")
    try:
        issue, problems = read_issue(path, load_settings(sample))
    finally:
        path.unlink()
    assert issue is not None and problems == [], problems
    assert (issue.number, issue.updated) == (1, issue.date)


@pytest.mark.parametrize(
    ("written", "moment"),
    [
        ("2024-10-21 09:30:00+08:00", datetime(2024, 10, 21, 1, 30, tzinfo=UTC)),
        ("2024-10-21T01:30:00Z", datetime(2024, 10, 21, 1, 30, tzinfo=UTC)),
        ("'2024-10-21'", datetime(2024, 10, 21, tzinfo=UTC)),
    ],
)
def test_the_forms_of_a_date(sample: Path, written: str, moment: datetime) -> None:
    assert read(sample, with_line("date: 2024-10-21", f"date: {written}")).date == moment


@pytest.mark.parametrize(
    ("written", "shown"),
    [("2024-1-2", "'2024-1-2'"), ("20241021", "20241021"), ("[2024]", "a list"), ("", "None")],
)
def test_what_is_not_a_date(sample: Path, written: str, shown: str) -> None:
    assert problems_in(sample, with_line("date: 2024-10-21", f"date: {written}")) == [
        f"issues/008-case.md:3: date: expected YYYY-MM-DD, got {shown}"
    ]


def test_the_lines_of_dashes_may_end_in_spaces_and_the_file_in_crlf_with_a_bom(
    sample: Path,
) -> None:
    text = with_line("number: 8", "number: 8").replace("---\n", "--- \n", 2)
    lf = read(sample, text)
    crlf = read(sample, "\ufeff" + text.replace("\n", "\r\n"))
    assert (lf.title, lf.note, lf.sections) == (crlf.title, crlf.note, crlf.sections)


def test_tags_are_words_not_numbers(sample: Path) -> None:
    text = with_line("date: 2024-10-21", "date: 2024-10-21\ntags: [BRICS, 2024]")
    assert problems_in(sample, text) == [
        "issues/008-case.md:4: tags: expected a list of words, as in [SCO, BRICS]"
    ]


def test_a_bad_byte_or_a_control_character_after_a_first_empty_line(sample: Path) -> None:
    path = sample / "008-case.md"
    for data, message in [
        (b"\n\n---\n\xe9", "4: not valid UTF-8 (byte 0xe9): save the file as UTF-8"),
        (b"\n\x01", "2: control character U+0001 at column 1: an issue is plain text; remove it"),
    ]:
        path.write_bytes(data)
        try:
            assert load(sample, path)[1] == [f"issues/008-case.md:{message}"]
        finally:
            path.unlink()


def test_read_all_reads_again_only_the_files_whose_bytes_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the preview keeps between saves: a file read once is not read again until its
    bytes change; a file removed is forgotten; its errors come back from the kept reading."""
    import newsletter.issues as loader

    project = copy_sample(tmp_path / "project")
    settings = load_settings(project)
    read: list[str] = []
    real = loader.read_issue

    def counted(path: Path, settings_: object) -> tuple[Issue | None, list[object]]:
        read.append(path.name)
        return real(path, settings)  # type: ignore[return-value]

    monkeypatch.setattr(loader, "read_issue", counted)
    known: loader.Known = {}
    first, _ = loader.read_all(settings, known)
    assert len(read) == 2 and len(known) == 2
    read.clear()
    again, _ = loader.read_all(settings, known)
    assert read == [] and again == first
    seventh = project / "issues" / "007-zhang-xin-china-russia-rapprochement.md"
    seventh.write_text(seventh.read_text("utf-8").replace("number: 7", "number: 0", 1), "utf-8")
    issues, problems = loader.read_all(settings, known)
    assert read == [seventh.name]
    assert [i.number for i in issues] == [6] and [p.line for p in problems] == [2]
    read.clear()
    _, kept = loader.read_all(settings, known)
    assert read == [] and kept == problems  # the error stands, from what was kept
    seventh.unlink()
    issues, problems = loader.read_all(settings, known)
    assert read == [] and [i.number for i in issues] == [6]
    assert list(known) == [project / "issues" / "006-zhao-long-china-russia.md"]


def test_aliases_are_the_earlier_slugs_each_once_without_slashes(sample: Path) -> None:
    source = (FIXTURES / "008-alias-own-slug.md").read_text(encoding="utf-8")
    issue = read(sample, source.replace("[008-alias-own-slug]", "[/006-old/, 006-old, 005-x]"))
    assert issue.aliases == ("006-old", "005-x")
    assert issue.aliases_line == 5
