"""`newsletter check`'s pre-flight lints: one fixture per rule, the exact message, the exit status.

Each folder of tests/fixtures/lint is laid over a copy of the sample project: its files replace
the project's, and a file ending in `.append` is added to the end of the project's file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsletter import lint
from newsletter.config import load_settings
from newsletter.issues import read_issue

from .conftest import ROOT, copy_sample, run

FIXTURES = ROOT / "tests" / "fixtures" / "lint"
SIZES = (
    "issues/007-zhang-xin-china-russia-rapprochement.md: email.html 27.1 KB "
    "(Gmail clips over 102 KB), <style> 1.8 KB (Gmail drops it over 16 KB)\n"
    "issues/006-zhao-long-china-russia.md: email.html 34.4 KB "
    "(Gmail clips over 102 KB), <style> 1.8 KB (Gmail drops it over 16 KB)\n"
)

# case: (the message, whether it is an error)
EXPECTED = {
    "email-too-big": (
        "issues/008-big.md:1: email.html is 109.8 KB: Gmail clips messages over 102 KB; "
        "shorten the issue or trim the layout",
        True,
    ),
    "style-too-big": (
        "layouts/style.css:1: warning: the email's <style> is 32.9 KB: Gmail drops it over "
        "16 KB, and with it the mobile and dark-mode rules; trim the stylesheet",
        False,
    ),
    "image-without-alt": (
        "issues/008-image.md:20: image https://example.org/chart.png has no alt text: "
        "describe it, as in ![what it shows](...)",
        True,
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
    problems = [line for line in result.stderr.splitlines() if not line.startswith("Error: ")]
    assert problems == [message]
    if is_error:
        assert result.exit_code == 1
        assert result.stderr.endswith(f"Error: {count} issues checked: 1 error, 0 warnings.\n")
    else:
        assert result.exit_code == 0
        assert result.stdout.endswith(f"{count} issues OK, 1 warning.\n")
        strict = run(project, "check", "--strict")
        assert strict.exit_code == 1
        assert strict.stderr.endswith(f"Error: {count} issues checked: 1 warning.\n")


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


# --- each rule at its threshold, with the lints run on an email made to measure -------------------

PLACEHOLDERS = ROOT / "tests" / "fixtures" / "placeholders"
# Each placeholder fixture and its message (the word is quoted as written), by file
PLACEHOLDER_LINES = {
    "008-tk.md": (16, "TK"),
    "009-tktk.md": (16, "TKTK"),
    "010-todo.md": (16, "TODO"),
    "011-fixme.md": (16, "FIXME"),
    "012-xxx.md": (16, "XXX"),
    "013-lorem-ipsum.md": (16, "Lorem ipsum"),
    "014-insert.md": (16, "[insert the quote from the interview]"),
}
UNSUBSCRIBE = '<a href="*|UNSUB|*">Unsubscribe</a>'
TEXT = "Unsubscribe: *|UNSUB|*"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample project, to which a test adds an issue file and removes it."""
    return copy_sample(tmp_path_factory.mktemp("lint") / "project")


def lints(
    sample: Path, source: str, html: str = UNSUBSCRIBE, text: str = TEXT
) -> tuple[lint.EmailSize, list[str]]:
    """The size and the problems `check` finds in an issue file SOURCE with this email."""
    path = sample / "issues" / "008-lint.md"
    path.write_text(source, encoding="utf-8")
    try:
        settings = load_settings(sample)
        issue, problems = read_issue(path, settings)
        assert issue is not None, problems
        size, found = lint.check_email(issue, settings, html, text)
    finally:
        path.unlink()
    return size, [str(problem) for problem in found]


def issue_with(summary: str, front: str = "") -> str:
    """An issue file whose Summary is SUMMARY (line 16 onwards), with FRONT matter lines added."""
    source = (PLACEHOLDERS / "008-tk.md").read_text(encoding="utf-8")
    source = source.replace("TK: a paragraph on the sanctions regime.", summary)
    return source.replace("number: 8\n", f"number: 8\n{front}")


def test_an_email_of_exactly_102_kb_passes_and_one_byte_more_is_clipped(sample: Path) -> None:
    limit = lint.GMAIL_CLIP
    assert limit == 102 * 1024
    source = issue_with("Text.")
    size, problems = lints(sample, source, UNSUBSCRIBE.ljust(limit))
    assert (size.html, problems) == (limit, [])
    size, problems = lints(sample, source, UNSUBSCRIBE.ljust(limit + 1))
    assert size.html == limit + 1
    assert problems == [
        "issues/008-lint.md:1: email.html is 102.0 KB: Gmail clips messages over 102 KB; "
        "shorten the issue or trim the layout"
    ]


def test_the_size_is_counted_in_bytes_of_utf8(sample: Path) -> None:
    html = UNSUBSCRIBE + "中" * 1000
    size, _ = lints(sample, issue_with("Text."), html)
    assert size.html == len(UNSUBSCRIBE) + 3000


def test_a_style_of_exactly_16_kb_passes_and_one_byte_more_is_dropped(sample: Path) -> None:
    limit = lint.GMAIL_STYLE
    assert limit == 16 * 1024
    source = issue_with("Text.")
    half = "a{}" + " " * (limit // 2 - 3)
    html = f"<style>{half}</style><p>x</p><style>{half}</style>{UNSUBSCRIBE}"
    size, problems = lints(sample, source, html)
    assert (size.style, problems) == (limit, [])
    size, problems = lints(sample, source, html.replace("a{}", "b {}", 1))
    assert size.style == limit + 1
    assert problems == [
        "layouts/style.css:1: warning: the email's <style> is 16.0 KB: Gmail drops it over 16 "
        "KB, and with it the mobile and dark-mode rules; trim the stylesheet"
    ]


def test_the_style_is_counted_in_bytes_of_utf8_and_only_inside_style(sample: Path) -> None:
    html = f'<style>a::after {{ content: "—" }}</style><p>{"x" * 100}</p>{UNSUBSCRIBE}'
    size, _ = lints(sample, issue_with("Text."), html)
    assert size.style == len('a::after { content: "—" }') + 2


def test_the_sizes_are_printed_in_kb_with_the_limits() -> None:
    size = lint.EmailSize(html=34_406, style=1_843)
    assert str(size) == (
        "email.html 33.6 KB (Gmail clips over 102 KB), <style> 1.8 KB (Gmail drops it over 16 KB)"
    )


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("Nine char", "9 characters long: make it at least 10, or it reads as a fragment"),
        ("Ten chars!", None),
        ("中俄战略协作的十个字", None),
        ("x" * 78, None),
        (
            "x" * 79,
            "79 characters long: keep it to 78 or fewer, or inboxes cut it off (set 'subject:')",
        ),
    ],
)
def test_the_subject_length_at_each_limit(sample: Path, subject: str, problem: str | None) -> None:
    _, problems = lints(sample, issue_with("Text.", f"subject: {subject}\n"))
    expected = f"issues/008-lint.md:3: warning: the subject is {problem}"
    assert problems == ([] if problem is None else [expected])


def test_a_title_used_as_the_subject_is_reported_at_the_title(sample: Path) -> None:
    source = issue_with("title: in the body is not the front matter.")
    source = source.replace("title: A placeholder left", "title: " + "A long title, " * 6)
    _, problems = lints(sample, source)
    assert problems == [
        "issues/008-lint.md:4: warning: the subject is 104 characters long: keep it to 78 or "
        "fewer, or inboxes cut it off (set 'subject:')"
    ]


@pytest.mark.parametrize("name", sorted(PLACEHOLDER_LINES))
def test_each_placeholder_word_is_reported(sample: Path, name: str) -> None:
    line, word = PLACEHOLDER_LINES[name]
    _, problems = lints(sample, (PLACEHOLDERS / name).read_text(encoding="utf-8"))
    assert problems == [
        f"issues/008-lint.md:{line}: placeholder {word!r} left in a published issue: write the "
        "text, or keep 'status: draft' until it is done"
    ]


def test_words_like_placeholders_are_not_reported(sample: Path) -> None:
    source = (PLACEHOLDERS / "015-not-placeholders.md").read_text(encoding="utf-8")
    assert lints(sample, source)[1] == []


def test_one_placeholder_per_line_the_first_and_one_in_the_front_matter(sample: Path) -> None:
    source = issue_with("TODO and then TK.\n\nAll done.\nlorem ipsum", "subtitle: TK\n")
    assert lints(sample, source)[1] == [
        f"issues/008-lint.md:{line}: placeholder {word!r} left in a published issue: write "
        "the text, or keep 'status: draft' until it is done"
        for line, word in ((3, "TK"), (17, "TODO"), (20, "lorem ipsum"))
    ]


def test_check_reports_every_placeholder_fixture(project: Path) -> None:
    for fixture in PLACEHOLDERS.iterdir():
        shutil.copy(fixture, project / "issues" / fixture.name)
    result = run(project, "check")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if not line.startswith("Error")] == [
        f"issues/{name}:{line}: placeholder {word!r} left in a published issue: write the "
        "text, or keep 'status: draft' until it is done"
        for name, (line, word) in sorted(PLACEHOLDER_LINES.items())
    ]
    assert result.stderr.endswith("Error: 10 issues checked: 7 errors, 0 warnings.\n")


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ("[a](https://example.org/) [b](http://example.org/) [c](HTTPS://example.org/)", None),
        ("[Write](mailto:editors@example.org) or <mailto:editors@example.org>.", None),
        (
            "[Call](tel:+861012345678)",
            "link to 'tel:+861012345678': mail clients follow only https:// (and mailto:) "
            "links; use a web address",
        ),
        (
            "![A chart](mailto:editors@example.org)",
            "image to 'mailto:editors@example.org': mail clients follow only https:// (and "
            "mailto:) links; use a web address",
        ),
        (
            "![A chart](ftp://example.org/c.png)",
            "image to 'ftp://example.org/c.png': mail clients follow only https:// (and mailto:) "
            "links; use a web address",
        ),
        ("[nothing]()", "link with no URL: give it a full https:// URL"),
        ("![A chart]()", "image with no URL: give it a full https:// URL"),
        (
            "[the last issue](../007-zhang-xin/)",
            "warning: relative link '../007-zhang-xin/' becomes "
            "https://chinaffairs.example/007-zhang-xin/ in the email: write the full https:// URL",
        ),
        (
            "![A chart](chart.png)",
            "warning: relative image 'chart.png' becomes "
            "https://chinaffairs.example/008-lint/chart.png in the email: write the full "
            "https:// URL",
        ),
        (
            "![ ](https://example.org/c.png)",
            "image https://example.org/c.png has no alt text: describe it, as in "
            "![what it shows](...)",
        ),
    ],
)
def test_links_and_images_in_the_issue(sample: Path, markdown: str, problem: str | None) -> None:
    _, problems = lints(sample, issue_with(markdown))
    assert problems == ([] if problem is None else [f"issues/008-lint.md:16: {problem}"])


def test_each_link_is_reported_at_its_own_line(sample: Path) -> None:
    summary = (
        "A paragraph with [a first](tel:1)\nover lines [b](tel:2), with\n"
        "[a repeat](tel:1) on the third.\n\n![](https://example.org/a.png)"
    )
    assert [p.split(": ")[0] for p in lints(sample, issue_with(summary))[1]] == [
        "issues/008-lint.md:16",
        "issues/008-lint.md:17",
        "issues/008-lint.md:18",
        "issues/008-lint.md:20",
    ]


def test_the_layouts_unsubscribe_link_must_be_a_link_and_be_in_the_text(sample: Path) -> None:
    tag = "'*|UNSUB|*'"
    _, problems = lints(sample, issue_with("Text."), "<p>*|UNSUB|*</p>", "Unsubscribe")
    assert problems == [
        f"layouts/email.html:1: the email has no unsubscribe link (mailchimp's merge tag {tag}): "
        'keep <a href="{{ links.unsubscribe }}"> in this layout or one it includes',
        f"layouts/email.txt:1: the plain-text part has no unsubscribe link (mailchimp's merge "
        f"tag {tag}): keep {{{{ links.unsubscribe }}}} in this layout or one it includes",
    ]


def test_a_layout_image_needs_an_alt_attribute_which_may_be_empty(sample: Path) -> None:
    html = f'{UNSUBSCRIBE}<img src="https://example.org/logo.png"><img src="spacer.gif" alt="">'
    _, problems = lints(sample, issue_with("Text."), html)
    assert problems == [
        "layouts/email.html:1: an image has no alt text (https://example.org/logo.png): "
        'add alt="..." in this layout or one it includes'
    ]


def test_a_draft_may_hold_placeholders_but_not_bad_links(sample: Path) -> None:
    _, problems = lints(sample, issue_with("TK. [Call](tel:1)", "status: draft\n"))
    assert problems == [
        "issues/008-lint.md:17: link to 'tel:1': mail clients follow only https:// (and "
        "mailto:) links; use a web address"
    ]
