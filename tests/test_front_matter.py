"""The loader's rules, one fixture per rule: each issue file of tests/fixtures/front-matter breaks
one rule of the front matter and gets its exact message.

The files are read by `load_issues` beside the sample issues (fast: nothing is rendered); one
`newsletter check` then reads them all at once. The bad-input fixtures of test_bad_input.py are
read here the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import load_settings
from newsletter.errors import InvalidInput
from newsletter.issues import Issue, load_issues, read_issue

from .conftest import ROOT, copy_sample

FIXTURES = ROOT / "tests" / "fixtures" / "front-matter"

# case: its messages, as `newsletter check` prints them
EXPECTED: dict[str, list[str]] = {
    "preheader-not-text": ["5: preheader: expected text, got a list"],
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
    assert problems == [f"issues/008-{case}.md:{message}" for message in EXPECTED[case]]
    # an issue with an error is never handed on, whichever key has it
    assert read_issue(FIXTURES / f"008-{case}.md", load_settings(sample))[0] is None


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
