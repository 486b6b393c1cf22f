"""The sample issue carries the real issue 6 of the publication, every paragraph, in order."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from .conftest import SAMPLE, SEEDS

SEED = SEEDS / "000_e2948e5b04192bf3.txt"
SECTIONS = [
    "Summary",
    "Why It Matters",
    "Key Points",
    "Conclusion",
    "About the Author",
    "About the Publication",
]


def words(text: str) -> list[str]:
    """Text as a list of lower-cased words: markup, punctuation and link numbers ignored."""
    text = re.sub(r"\[\d+\]", " ", text)
    text = re.sub(r"([\u2e80-\u9fff\uf900-\ufaff])", r" \1 ", text)  # CJK: one word a character
    return re.findall(r"[^\W_]+", text.casefold())


def curated_paragraphs() -> list[str]:
    """The paragraphs of the seed from its first section heading to the end."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    start = lines.index("Summary")
    return [line for line in lines[start:] if line and line not in SECTIONS]


def appears_in_order(paragraphs: list[str], document: str) -> list[str]:
    """The paragraphs NOT found, each searched for after the end of the previous one."""
    haystack = " " + " ".join(words(document)) + " "
    position, missing = 0, []
    for paragraph in paragraphs:
        needle = " " + " ".join(words(paragraph)) + " "
        found = haystack.find(needle, position)
        if found < 0:
            missing.append(paragraph[:80])
        else:
            position = found + len(needle) - 1
    return missing


def test_the_seed_has_the_paragraphs_we_expect() -> None:
    paragraphs = curated_paragraphs()
    assert len(paragraphs) == 33
    assert paragraphs[0].startswith("Enhancing strategic coordination")
    assert paragraphs[-1].startswith("The Chinese version of the article")


@pytest.mark.parametrize("name", ["email.txt", "email.html", "index.html"])
def test_every_curated_paragraph_appears_in_order(rendered: Path, name: str) -> None:
    raw = (rendered / SAMPLE / name).read_text(encoding="utf-8")
    document = lxml.html.fromstring(raw).text_content() if name.endswith(".html") else raw
    assert appears_in_order(curated_paragraphs(), document) == []


def test_a_paragraph_out_of_order_is_caught() -> None:
    paragraphs = curated_paragraphs()
    document = "\n".join([paragraphs[1], paragraphs[0], *paragraphs[2:]])
    assert appears_in_order(paragraphs, document) == [paragraphs[1][:80]]


@pytest.mark.parametrize("name", ["email.txt", "email.html"])
def test_editor_note_and_standing_paragraphs_appear(rendered: Path, name: str) -> None:
    raw = (rendered / SAMPLE / name).read_text(encoding="utf-8")
    document = lxml.html.fromstring(raw).text_content() if name.endswith(".html") else raw
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    front = lines[2 : lines.index("Summary")]  # note, its link, and the standing paragraphs
    assert appears_in_order(front[:2], document) == []
    assert appears_in_order(front[2:], document) == []
    for native in ("赵隆", "《俄罗斯研究》", "《今日东欧中亚》"):
        assert native in document
