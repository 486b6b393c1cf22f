"""`newsletter check`'s pre-flight lints: one fixture per rule, the exact message, the exit status.

Each folder of tests/fixtures/lint is laid over a copy of the sample project: its files replace
the project's, and a file ending in `.append` is added to the end of the project's file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, run
from .test_lint_rules import PLACEHOLDER_LINES, PLACEHOLDERS

FIXTURES = ROOT / "tests" / "fixtures" / "lint"
SIZES = (
    "issues/007-zhang-xin-china-russia-rapprochement.md: email.html 28.3 KB "
    "(Gmail clips over 102 KB), <style> 3.0 KB (Gmail drops it over 16 KB)\n"
    "issues/006-zhao-long-china-russia.md: email.html 35.7 KB "
    "(Gmail clips over 102 KB), <style> 3.0 KB (Gmail drops it over 16 KB)\n"
)

# case: (the message, whether it is an error)
EXPECTED = {
    "email-too-big": (
        "issues/008-big.md:1: email.html is 111.0 KB: Gmail clips messages over 102 KB; "
        "shorten the issue or trim the layout",
        True,
    ),
    "style-too-big": (
        "layouts/style.css:1: warning: the email's <style> is 34.1 KB: Gmail drops it over "
        "16 KB, and with it the mobile and dark-mode rules; trim the stylesheet",
        False,
    ),
    "image-without-alt": (
        "issues/008-image.md:20: image https://example.org/chart.png has no alt text: "
        "describe it, as in ![what it shows](...)",
        True,
    ),
    "image-without-image-alt": (
        "issues/008-no-image-alt.md:5: image: add 'image_alt:', a description of the image for "
        "readers who cannot see it",
        True,
    ),
    "remote-image-size": (
        "issues/008-remote-image.md:20: warning: image https://example.org/chart.png: its size "
        "is unknown, and Outlook shows an image as wide as its file: give the width to show it "
        "at, as in ![A chart of the trade figures](https://example.org/chart.png){width=520}, or "
        "save a copy in issues/images/ and write images/NAME",
        False,
    ),
    "layout-image-without-alt": (
        "layouts/email.html:1: an image has no alt text (https://chinaffairs.example/logo.png): "
        'add alt="..." in this layout or one it includes',
        True,
    ),
    "relative-link": (
        "issues/008-relative.md:18: warning: relative link '../006-zhao-long-china-russia/' "
        "becomes https://chinaffairs.example/006-zhao-long-china-russia/ in the email: write "
        "the full https:// URL",
        False,
    ),
    "non-http-link": (
        "issues/008-ftp.md:18: link to 'ftp://data.example.org/trade.csv': mail clients "
        "follow only https:// (and mailto:) links; use a web address",
        True,
    ),
    "placeholder": (
        "issues/008-placeholder.md:18: placeholder 'TK' left in a published issue: write the "
        "text, or keep 'status: draft' until it is done",
        True,
    ),
    "missing-unsubscribe": (
        "layouts/email.html:1: the email has no unsubscribe link (mailchimp's merge tag "
        "'*|UNSUB|*'): keep <a href=\"{{ links.unsubscribe }}\"> in this layout or one it "
        "includes",
        True,
    ),
    "subject-too-short": (
        "issues/008-short.md:5: warning: the subject is 6 characters long: make it at least "
        "10, or it reads as a fragment",
        False,
    ),
    "subject-too-long": (
        "issues/008-long.md:5: warning: the subject is 82 characters long: keep it to 78 or "
        "fewer, or inboxes cut it off (set 'subject:')",
        False,
    ),
}


def lay_over(project: Path, case: str) -> None:
    """Copy the fixture's files into the project (appending `.append` files)."""
    fixture = FIXTURES / case
    for source in sorted(p for p in fixture.rglob("*") if p.is_file()):
        relative = source.relative_to(fixture)
        if source.suffix == ".append":
            target = project / relative.with_suffix("")
            with target.open("a", encoding="utf-8") as handle:
                handle.write(source.read_text(encoding="utf-8"))
        else:
            target = project / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)


def test_every_fixture_has_an_expected_message() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_rule_reports_its_message(project: Path, case: str) -> None:
    lay_over(project, case)
    count = 2 + any((project / "issues").glob("008-*.md"))
    message, is_error = EXPECTED[case]
    result = run(project, "check")
    assert result.stderr == ""
    # on stdout: the size of each email, then the problems, then the counts
    *sizes, problem, summary = result.stdout.splitlines()
    assert len(sizes) == count and all(": email.html " in size for size in sizes), sizes
    assert problem == message
    if is_error:
        assert result.exit_code == 1
        assert summary == f"{count} issues checked: 1 error, 0 warnings."
    else:
        assert result.exit_code == 0
        assert summary == f"{count} issues OK, 1 warning."
        strict = run(project, "check", "--strict")
        assert strict.exit_code == 1
        assert strict.stdout.endswith(f"{count} issues checked: 1 warning.\n")


def test_the_sample_issues_pass_strict_and_sizes_are_printed(project: Path) -> None:
    result = run(project, "check", "--strict")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == SIZES + "2 issues OK, 0 warnings.\n"


def test_placeholders_in_a_draft_are_expected(project: Path) -> None:
    lay_over(project, "placeholder")
    path = project / "issues" / "008-placeholder.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("number: 8\n", "number: 8\nstatus: draft\n"),
        encoding="utf-8",
    )
    result = run(project, "check", "--strict")
    assert (result.exit_code, result.stderr) == (0, "")


def test_placeholder_words_in_prose_are_not_flagged(project: Path) -> None:
    lay_over(project, "placeholder")
    path = project / "issues" / "008-placeholder.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "TK: a paragraph on the sanctions regime.",
            "Its todo list and the TKO of the talks (tk) are words, not placeholders.",
        ),
        encoding="utf-8",
    )
    assert run(project, "check", "--strict").exit_code == 0


def test_validate_only_skips_the_email_lints(project: Path) -> None:
    lay_over(project, "placeholder")
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stdout) == (0, "3 issues OK, 0 warnings.\n")


def test_check_reports_every_placeholder_fixture(project: Path) -> None:
    for fixture in PLACEHOLDERS.iterdir():
        shutil.copy(fixture, project / "issues" / fixture.name)
    result = run(project, "check")
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if ": placeholder " in line] == [
        f"issues/{name}:{line}: placeholder {word!r} left in a published issue: write the "
        "text, or keep 'status: draft' until it is done"
        for name, (line, word) in sorted(PLACEHOLDER_LINES.items())
    ]
    assert result.stdout.endswith("10 issues checked: 7 errors, 7 warnings.\n")  # same dates
