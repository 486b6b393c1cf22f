"""The plain-text part: wrapping by display width, lists, quotes, footnotes and numbered links."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from newsletter import content, markdown, text
from newsletter.config import load_settings
from newsletter.issues import read_issue

from .conftest import ROOT, WORKOUT

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


# --- each construct, alone ---------------------------------------------------------------------


def test_display_width_of_ascii_control_characters_is_zero() -> None:
    assert text.display_width("a\tb") == 2
    assert text.display_width("a\x7fb") == 2


def test_inline_code_emphasis_and_soft_breaks_are_their_text() -> None:
    assert plain("*a* **b** _c_ `d e`\nf ~~g~~") == ("a b c d e f ~~g~~", [])


def test_hard_breaks_end_the_line_where_written() -> None:
    assert plain("one  \ntwo\\\nthree four") == ("one\ntwo\nthree four", [])
    assert plain("- one\\\n  two") == ("- one\n  two", [])
    assert plain("> one  \n> two") == ("> one\n> two", [])


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


def test_a_code_block_ends_with_its_last_line_of_code() -> None:
    assert plain("```\na\n   \n\t\n```\n\nAfter.") == ("    a\n\nAfter.", [])
    assert plain("```\nX\n```") == ("    X", [])


def test_code_in_a_list_and_in_a_quote() -> None:
    assert plain("- x\n\n  ```\n  code\n\n  more\n  ```\n") == (
        "- x\n\n      code\n\n      more",
        [],
    )
    assert plain("> ```\n> q\n>\n> r\n> ```") == (">     q\n>\n>     r", [])


def test_a_thematic_break_is_three_stars() -> None:
    assert plain("a\n\n***\n\n___\n\n- - -\n\nb") == ("a\n\n* * *\n\n* * *\n\n* * *\n\nb", [])


def test_headings_in_the_body_are_underlined_by_level() -> None:
    assert plain("# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five") == (
        "One\n===\n\nTwo\n===\n\nThree\n-----\n\nFour\n\nFive",
        [],
    )


def test_a_wrapped_heading_is_underlined_as_wide_as_its_longest_line() -> None:
    assert plain("### " + "word " * 5 + "end", width=20) == (
        "word word word word\nword end\n-------------------",
        [],
    )
    assert plain("### 中文标题", width=20) == ("中文标题\n--------", [])


def test_links_are_numbered_in_order_and_a_repeated_url_keeps_its_number() -> None:
    assert plain("[a](https://a.org/) [b](https://b.org/) [again](https://a.org/)") == (
        "a [1] b [2] again [1]",
        ["https://a.org/", "https://b.org/"],
    )


@pytest.mark.parametrize(
    "link",
    [
        "<https://example.org/page>",
        "[https://example.org/page](https://example.org/page)",
        "[https://example.org](https://example.org/)",
        "[example.org/page](https://example.org/page)",
        "[ example.org/page ](https://example.org/page)",
        "[editors@example.org](mailto:editors@example.org)",
        "[mailto:editors@example.org](mailto:editors@example.org)",
        "<mailto:editors@example.org>",
    ],
)
def test_a_link_whose_text_is_its_url_is_printed_once(link: str) -> None:
    shown, urls = plain(f"See {link}.")
    assert urls == []
    assert shown.count("example.org") == 1
    assert shown.startswith("See ") and shown.endswith(".")


def test_a_link_whose_text_is_the_address_of_another_is_numbered() -> None:
    assert plain("[b.org](https://a.org/?from=https://b.org)") == (
        "b.org [1]",
        ["https://a.org/?from=https://b.org"],
    )


def test_a_link_whose_text_is_a_shorter_address_is_numbered() -> None:
    assert plain("[https://example.org](https://example.org/X)") == (
        "https://example.org [1]",
        ["https://example.org/X"],
    )


def test_a_mail_link_with_other_text_is_numbered_with_its_scheme() -> None:
    assert plain("[Write to us](mailto:editors@example.org).") == (
        "Write to us [1].",
        ["mailto:editors@example.org"],
    )


def test_links_inside_bold_emphasis_and_list_items() -> None:
    assert plain(
        "**[bold](https://a.org/)** *[em](https://b.org/)*\n\n"
        "- [item](https://c.org/)\n  - **[deep](https://a.org/)**"
    ) == (
        "bold [1] em [2]\n\n- item [3]\n  - deep [1]",
        ["https://a.org/", "https://b.org/", "https://c.org/"],
    )


def test_images_show_their_alt_text_or_the_word_image_and_are_numbered() -> None:
    assert plain("![A chart](https://a.org/c.png) ![](https://a.org/d.png)") == (
        "[A chart] [1] [image] [2]",
        ["https://a.org/c.png", "https://a.org/d.png"],
    )
    assert plain("[![logo](https://a.org/l.png)](https://a.org/)") == (
        "[logo] [1] [2]",
        ["https://a.org/l.png", "https://a.org/"],
    )


def test_an_image_in_the_alt_text_of_another_is_numbered_first() -> None:
    assert plain("![a ![b](https://x.org/b.png)](https://x.org/a.png)") == (
        "[a [b] [1]] [2]",
        ["https://x.org/b.png", "https://x.org/a.png"],
    )


def test_ordered_lists_align_their_text_after_the_widest_number() -> None:
    source = "\n".join(f"{n}. item {n}" for n in range(8, 12))
    assert plain(source) == ("8.  item 8\n9.  item 9\n10. item 10\n11. item 11", [])
    assert plain("9) nine\n10) ten") == ("9)  nine\n10) ten", [])


def test_a_loose_list_keeps_its_blank_lines_and_a_tight_one_has_none() -> None:
    assert plain("- a\n- b") == ("- a\n- b", [])
    assert plain("- a\n\n- b") == ("- a\n\n- b", [])
    assert plain("- a\n\n  more of a\n- b") == ("- a\n\n  more of a\n\n- b", [])


def test_an_empty_list_item_is_its_marker() -> None:
    assert plain("1. a\n2.\n3. c") == ("1. a\n2.\n3. c", [])
    assert plain("- a\n-\n\n- c") == ("- a\n\n-\n\n- c", [])


def test_list_items_wrap_under_their_hanging_indent() -> None:
    assert plain("- " + "word " * 8 + "\n  1. " + "deep " * 6, width=24) == (
        "- word word word word\n  word word word word\n  1. deep deep deep deep\n     deep deep",
        [],
    )


def test_a_link_in_a_quote_is_numbered() -> None:
    assert plain("> As [the minister](https://x.org/) said.") == (
        "> As the minister [1] said.",
        ["https://x.org/"],
    )


def test_quotes_nest_and_keep_their_blank_lines() -> None:
    assert plain("> a\n>\n> b\n> > c") == ("> a\n>\n> b\n>\n> > c", [])
    assert plain("> " + "word " * 6, width=16) == ("> word word word\n> word word word", [])


def test_raw_html_never_reaches_the_text() -> None:
    assert plain("<div>x</div>\n\npara") == ("para", [])


# --- wrapping --------------------------------------------------------------------------------


def test_a_line_of_exactly_the_width_is_kept_and_one_column_more_wraps() -> None:
    assert text.wrap("a" * 36 + " " + "b" * 35) == ["a" * 36 + " " + "b" * 35]
    assert text.wrap("a" * 36 + " " + "b" * 36) == ["a" * 36, "b" * 36]
    assert text.wrap("中" * 36) == ["中" * 36]
    assert text.wrap("中" * 37) == ["中" * 36, "中"]
    assert text.wrap("ab cd", width=5) == ["ab cd"]
    assert text.wrap("ab cde", width=5) == ["ab", "cde"]


def test_the_width_counts_the_indent() -> None:
    assert text.wrap("ab cd", width=7, indent="  ") == ["  ab cd"]
    assert text.wrap("ab cde", width=7, indent="  ") == ["  ab", "  cde"]
    assert text.wrap("ab cd ef", width=7, indent="", hanging="    ") == ["ab cd", "    ef"]
    assert text.wrap("中文 中文", width=9, indent="", hanging="  ") == ["中文 中文"]
    assert text.wrap("中文 中文 中", width=9, indent="", hanging="  ") == ["中文 中文", "  中"]


def test_line_breaks_in_the_text_start_lines_under_the_hanging_indent() -> None:
    assert text.wrap("1. a\nb", indent="", hanging="   ") == ["1. a", "   b"]
    assert text.wrap("a\n\nb", indent="> ") == ["> a", ">", "> b"]


def test_empty_and_blank_text() -> None:
    assert text.wrap("") == [""]
    assert text.wrap("", indent="  ") == [""]
    assert text.wrap("   ") == [""]
    assert text.wrap("a\n   ") == ["a"]
    assert text.wrap("a\n") == ["a", ""]


@pytest.mark.parametrize("mark", "，。、；：！？）》」』】〉〕”’,.;:!?)]}…—%")
def test_no_line_starts_with_closing_punctuation(mark: str) -> None:
    assert text.wrap("中文" + mark + "文", width=4) == ["中", "文" + mark, "文"]


@pytest.mark.parametrize("mark", "（《「『【〈〔“‘([{")
def test_no_line_ends_with_opening_punctuation(mark: str) -> None:
    assert text.wrap("中" + mark + "文字", width=4) == ["中", mark + "文", "字"]


def test_wide_characters_break_next_to_narrow_ones() -> None:
    assert text.wrap("ab中文cd", width=4) == ["ab中", "文cd"]
    assert text.wrap("a中", width=2) == ["a", "中"]
    assert text.wrap("中a", width=2) == ["中", "a"]


def test_wide_text_before_a_url_may_break_but_narrow_text_stays_with_it() -> None:
    assert text.wrap("请看https://example.org/a", width=10) == [
        "请看",
        "https://example.org/a",
    ]
    assert text.wrap("中 see:https://example.org/中文", width=10) == [
        "中",
        "see:https://example.org/中文",
    ]
    assert text.wrap("中文www.example.org/页", width=8) == ["中文", "www.example.org/页"]
    assert text.wrap("中文mailto:a@b.org。", width=8) == ["中文", "mailto:a@b.org。"]
    assert text.wrap("https://example.org/页 中", width=40) == ["https://example.org/页 中"]
    assert text.wrap("a中https://example.org/", width=8) == ["a中", "https://example.org/"]
    assert text.wrap("中:https://example.org/", width=8) == ["中:https://example.org/"]


def test_link_references_keep_the_number_a_url_got_first() -> None:
    refs = text.LinkRefs()
    assert [refs.number(url) for url in ("b", "a", "b", "c", "a")] == [1, 2, 1, 3, 2]
    assert refs.urls == ["b", "a", "c"]


def test_a_link_in_a_heading_is_numbered() -> None:
    assert plain("### A [link](https://x.org/) in a heading") == (
        "A link [1] in a heading\n-----------------------",
        ["https://x.org/"],
    )


def test_a_block_of_another_kind_is_printed_as_its_content() -> None:
    # a footnote definition as the parser gives it; the render stage moves it (see below)
    assert plain("Text.[^n]\n\n[^n]: The note, with [a link](https://x.org/).") == (
        "Text.[^1]\n\nThe note, with a link [1].",
        ["https://x.org/"],
    )


def note_of(tmp_path: Path, note: str) -> markdown.Fragment:
    """The editor's note NOTE, rendered as in an issue (its footnotes numbered and placed)."""
    source = (ROOT / "tests" / "fixtures" / "placeholders" / "008-tk.md").read_text("utf-8")
    source = source.replace("A note.", note).replace("TK: a paragraph", "A paragraph")
    path = tmp_path / "008-note.md"
    path.write_text(source, encoding="utf-8")
    issue, problems = read_issue(path, load_settings(ROOT))
    assert issue is not None, problems
    return content.render_issue(issue).note


def test_a_note_of_two_paragraphs_keeps_them_apart(tmp_path: Path) -> None:
    fragment = note_of(tmp_path, "Text.[^a]\n\n[^a]: One paragraph.\n\n    And a second one.")
    assert fragment.text == (
        "Text.[^1]\n\n----------\n[^1] One paragraph.\n\n     And a second one."
    )


def test_notes_are_numbered_in_order_of_reference_and_a_note_may_cite_another(
    tmp_path: Path,
) -> None:
    fragment = note_of(
        tmp_path,
        "First[^b] and second[^a], first again[^b].\n\n"
        "[^a]: Note a, which cites[^c].\n[^b]: Note b.\n[^c]: Note c.",
    )
    assert fragment.text == (
        "First[^1] and second[^2], first again[^1].\n\n----------\n"
        "[^1] Note b.\n[^2] Note a, which cites[^3].\n[^3] Note c."
    )
    assert '<li id="fn3" class="footnote-item" value="3"><p>Note c.' in fragment.html
