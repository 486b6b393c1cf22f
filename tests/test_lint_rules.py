"""Each rule of `newsletter check`'s lints at its threshold, on an email made to measure.

The lints run on an issue file beside the sample issues and an email HTML and text given by the
test (nothing is rendered): an email of exactly 102 KB, a <style> of exactly 16 KB, subjects of
9, 10, 78 and 79 characters; each placeholder word, from its fixture in tests/fixtures/placeholders;
every kind of link and image target. test_lint.py runs the same rules through the command.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter import lint
from newsletter.config import load_settings
from newsletter.issues import read_issue

from .conftest import ROOT, copy_sample

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
            "![A chart](https://example.org/c.png)",
            "warning: image https://example.org/c.png: its size is unknown, and Outlook shows an "
            "image as wide as its file: give the width to show it at, as in "
            "![A chart](https://example.org/c.png){width=520}, or save a copy in issues/images/ "
            "and write images/NAME",
        ),
        ("```\n[not a link](ftp://example.org/c.png)\n```", None),  # code: not a link
        (
            "![A chart](http://example.org/c.png)",
            "warning: image http://example.org/c.png: its size is unknown, and Outlook shows an "
            "image as wide as its file: give the width to show it at, as in "
            "![A chart](http://example.org/c.png){width=520}, or save a copy in issues/images/ "
            "and write images/NAME",
        ),
        (  # an autolink, in a paragraph without a '[': found all the same
            "A chart <ftp://example.org/c.png> here.",
            "link to 'ftp://example.org/c.png': mail clients follow only https:// (and mailto:) "
            "links; use a web address",
        ),
        (
            "![ ](https://example.org/c.png){width=520}",
            "image https://example.org/c.png has no alt text: describe it, as in "
            "![what it shows](...)",
        ),
    ],
)
def test_links_and_images_in_the_issue(sample: Path, markdown: str, problem: str | None) -> None:
    _, problems = lints(sample, issue_with(markdown))
    assert problems == ([] if problem is None else [f"issues/008-lint.md:16: {problem}"])


def test_an_image_without_alt_text_or_a_size_gets_both_messages(sample: Path) -> None:
    _, problems = lints(sample, issue_with("![](https://example.org/c.png)"))
    assert problems == [
        "issues/008-lint.md:16: image https://example.org/c.png has no alt text: describe it, "
        "as in ![what it shows](...)",
        "issues/008-lint.md:16: warning: image https://example.org/c.png: its size is unknown, "
        "and Outlook shows an image as wide as its file: give the width to show it at, as in "
        "![...](https://example.org/c.png){width=520}, or save a copy in issues/images/ and "
        "write images/NAME",
    ]


def test_each_link_is_reported_at_its_own_line(sample: Path) -> None:
    summary = (
        "A paragraph with [a first](tel:1)\nover lines [b](tel:2), with\n"
        "[a repeat](tel:1) on the third.\n\n![](https://example.org/a.png){width=520}"
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


def test_a_layout_image_without_a_source_is_named_by_none(sample: Path) -> None:
    _, problems = lints(sample, issue_with("Text."), f"{UNSUBSCRIBE}<img>")
    assert problems == [
        'layouts/email.html:1: an image has no alt text: add alt="..." in this layout or one '
        "it includes"
    ]


def test_a_draft_may_hold_placeholders_but_not_bad_links(sample: Path) -> None:
    _, problems = lints(sample, issue_with("TK. [Call](tel:1)", "status: draft\n"))
    assert problems == [
        "issues/008-lint.md:17: link to 'tel:1': mail clients follow only https:// (and "
        "mailto:) links; use a web address"
    ]


def test_the_targets_of_an_inline_note_are_checked_where_it_is_written(sample: Path) -> None:
    summary = (
        "A claim.^[As [the minister](tel:1) said, with ![](https://example.org/c.png){width=520}.]\n"
        "Then^[See [last week](../007/).] [a call](tel:2)."
    )
    assert lints(sample, issue_with(summary))[1] == [
        "issues/008-lint.md:16: link to 'tel:1': mail clients follow only https:// (and "
        "mailto:) links; use a web address",
        "issues/008-lint.md:16: image https://example.org/c.png has no alt text: describe it, "
        "as in ![what it shows](...)",
        "issues/008-lint.md:17: warning: relative link '../007/' becomes "
        "https://chinaffairs.example/007/ in the email: write the full https:// URL",
        "issues/008-lint.md:17: link to 'tel:2': mail clients follow only https:// (and "
        "mailto:) links; use a web address",
    ]


def test_only_the_body_is_searched_for_targets_from_its_first_line(sample: Path) -> None:
    source = issue_with("Text.").replace(
        "  publication: A Journal\n---\n\nA note.",
        "  publication: '[A Journal](tel:1)'\n---\n[A note](tel:2).",
    )
    assert lints(sample, source)[1] == [
        "issues/008-lint.md:11: link to 'tel:2': mail clients follow only https:// (and "
        "mailto:) links; use a web address"
    ]


def test_an_anchor_without_an_address_or_another_tag_with_one_is_not_a_link(
    sample: Path,
) -> None:
    html = '<a id="top">Top</a><link rel="alternate" href="*|UNSUB|*"><p>x</p>'
    _, problems = lints(sample, issue_with("Text."), html)
    assert [problem.split(": ")[0] for problem in problems] == ["layouts/email.html:1"]
