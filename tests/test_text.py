"""The plain-text part: wrapping by display width, lists, quotes, footnotes and numbered links."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from newsletter import markdown, text

from .conftest import WORKOUT

SLUG = WORKOUT.stem


def between(document: str, start: str, end: str) -> str:
    """The text from the line START up to (not including) the line END."""
    return document[document.index(start) : document.index(end)]


def plain(source: str, width: int = 72) -> tuple[str, list[str]]:
    """The plain text of SOURCE, and the URLs it numbered."""
    refs = text.LinkRefs()
    return text.render(markdown.parse(source)[0], refs, width), refs.urls


def test_display_width_counts_wide_characters_two_and_combining_marks_zero() -> None:
    assert text.display_width("abc") == 3
    assert text.display_width("中文") == 4
    assert text.display_width("《俄罗斯研究》") == 14
    assert text.display_width("Cafe\u0301") == 4  # e + combining acute accent


def test_chinese_wraps_between_characters_but_not_before_closing_punctuation() -> None:
    lines = text.wrap("中俄关系的发展，不仅对两国人民具有重要意义。" * 4, width=20)
    assert all(text.display_width(line) <= 20 for line in lines)
    assert "".join(lines) == "中俄关系的发展，不仅对两国人民具有重要意义。" * 4
    assert not any(line[0] in text.NO_LINE_START for line in lines)
    assert not any(line[-1] in text.NO_LINE_END for line in lines)


def test_a_url_is_never_split_even_with_wide_characters_in_or_around_it() -> None:
    url = "https://zh.wikipedia.org/wiki/中华人民共和国与俄罗斯联邦关系"
    lines = text.wrap(f"请参阅{url} 以及 https://example.org/{'x' * 80} 两页。", width=30)
    assert url in lines
    assert f"https://example.org/{'x' * 80}" in lines
    assert all(text.display_width(line) <= 30 for line in lines if " " in line.strip())


def test_a_word_that_holds_a_url_is_not_split_before_it() -> None:
    assert text.wrap("x " * 30 + "see:https://example.org/a", width=66) == [
        ("x " * 30).rstrip(),
        "see:https://example.org/a",
    ]


def test_hanging_indent_and_a_single_token_longer_than_the_line() -> None:
    assert text.wrap("[1] https://example.org/" + "a" * 80, 72, "", "    ") == [
        "[1]",
        "    https://example.org/" + "a" * 80,
    ]


def test_every_line_fits_in_72_columns_unless_it_is_one_unbreakable_token(workout: Path) -> None:
    document = (workout / SLUG / "email.txt").read_text(encoding="utf-8")
    too_wide = [
        line
        for line in document.splitlines()
        if text.display_width(line) > 72 and len(line.split()) != 1
    ]
    assert too_wide == []
    # the workout really does test the exception, and Chinese lines really are full
    assert any(text.display_width(line) > 72 for line in document.splitlines())
    chinese = [line for line in document.splitlines() if line.startswith(("中俄", "促进"))]
    assert [text.display_width(line) for line in chinese] == [72, 72]


def test_card_shows_the_article_with_its_links_as_urls(workout: Path) -> None:
    document = (workout / SLUG / "email.txt").read_text(encoding="utf-8")
    assert between(document, "THIS WEEK'S ARTICLE", "This note") == (
        "THIS WEEK'S ARTICLE\n"
        "  大变局下的中俄战略协作\n"
        "  By ZHAO Long 赵隆\n"
        "  Russian Studies 《俄罗斯研究》\n"
        "  Original:\n"
        "  https://www.example.org/articles/2024/10/a-rather-long-path-to-the-original-article-page\n"
        "  DOI: https://doi.org/10.1234/example.2024.001\n"
        "\n"
    )


def test_links_are_numbered_once_per_url_and_a_bare_url_is_printed_inline(workout: Path) -> None:
    document = (workout / SLUG / "email.txt").read_text(encoding="utf-8")
    assert between(document, "This note", "SUMMARY") == (
        "This note cites the source of the Chinese quotation below.[^1] The\n"
        "publisher [1] and its journal [1] share one link, and\n"
        "https://www.example.org/plain is printed once, inline.\n"
        "\n"
        "----------\n"
        "[^1] 赵隆：《大变局下的中俄战略协作》，《俄罗斯研究》2024年第4期，第3—25\n"
        "     页。\n"
        "\n"
        "\n"
    )
    assert "The conclusion repeats the publisher [1]." in document
    assert document.endswith("\nLinks:\n[1] https://www.example.org/\n")
    assert "[2]" not in document


def test_lists_keep_numbers_and_hanging_indents_and_quotes_are_prefixed(workout: Path) -> None:
    document = (workout / SLUG / "email.txt").read_text(encoding="utf-8")
    assert between(document, "1. The first reason", "KEY POINTS") == (
        "1. The first reason, which is long enough to need a second line and so\n"
        "   shows the hanging indent of an item.\n"
        "2. The second reason has reasons of its own:\n"
        "   - a nested point, long enough to wrap onto a second line under its\n"
        "     own hanging indent, as lists should;\n"
        "   - another nested point, with a note.[^2]\n"
        "3. The third reason.\n"
        "\n"
        "7) An ordered list that starts at seven,\n"
        "8) and keeps its numbers.\n"
        "\n"
        "> A blockquote is prefixed on every line, even when the quoted paragraph\n"
        "> is long enough to wrap over several lines of the plain-text part.[^1]\n"
        "\n"
        "----------\n"
        "[^2] A note on a nested point.\n"
        "\n"
        "\n"
    )


def test_a_footnote_defined_in_another_section_is_numbered_and_printed_where_used(
    workout: Path,
) -> None:
    document = (workout / SLUG / "email.txt").read_text(encoding="utf-8")
    assert between(document, "A key point refers", "CONCLUSION") == (
        "A key point refers to a note defined in another section.[^3]\n"
        "\n"
        "----------\n"
        "[^3] A note defined at the very end of the issue, in another section\n"
        "     than its reference.\n"
        "\n"
        "\n"
    )
    publication = document[document.index("ABOUT THE PUBLICATION") :]
    assert "A note defined at the very end" not in publication
    assert "[^" not in publication


def test_web_page_footnotes_share_the_numbers_and_their_links_resolve(workout: Path) -> None:
    page = lxml.html.fromstring((workout / SLUG / "index.html").read_bytes())
    refs = [(a.get("href"), a.text) for a in page.cssselect("sup.footnote-ref a")]
    assert refs == [("#fn1", "[1]"), ("#fn2", "[2]"), ("#fn1", "[1]"), ("#fn3", "[3]")]
    notes = page.cssselect("li.footnote-item")
    assert [(li.get("id"), li.get("value")) for li in notes] == [
        ("fn1", "1"),
        ("fn2", "2"),
        ("fn3", "3"),
    ]
    ids = {element.get("id") for element in page.iter() if element.get("id")}
    targets = {a.get("href")[1:] for a in page.iter("a") if a.get("href", "").startswith("#")}
    assert targets <= ids
    assert "[^" not in page.text_content()


def test_code_blocks_are_indented_and_never_wrapped() -> None:
    long = "x = '" + "y" * 80 + "'"
    assert plain(f"```python\n{long}\n\n  indented  \n```") == (
        f"    {long}\n\n      indented",
        [],
    )
    assert plain("Text:\n\n    a\n\n\n    b\n\nAfter.") == (
        "Text:\n\n    a\n\n\n    b\n\nAfter.",
        [],
    )


def test_an_empty_list_item_is_its_marker() -> None:
    assert plain("1. a\n2.\n3. c") == ("1. a\n2.\n3. c", [])
    assert plain("- a\n-\n\n- c") == ("- a\n\n-\n\n- c", [])
