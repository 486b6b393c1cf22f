"""Validation parses inline Markdown only where a check needs it: it finds what a whole parse finds.

CI runs a short, derandomized version (the `ci` profile). The long run, 10,000 examples:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_parse_checks.py
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsletter import markdown
from newsletter.issues import _check_markup, _FileChecker, _parse_for_checks

from .test_properties import FIXTURES, MARKDOWN, SHOWN, bodies

# Nesting near the limit: emphasis, links, images and quotes 25 to 40 levels deep.
DEEP = st.integers(25, 40).flatmap(
    lambda n: st.sampled_from(
        [
            "*" * n + "x" + "*" * n,
            "_" * n + "x" + "_" * n,
            "[" * n + "x" + "](/)" * n,
            "![" * n + "x" + "](/a.png)" * n,
            "> " * n + "x",
            "- " * n + "x",
            "**[_" * (n // 3) + "x" + "_](/)**" * (n // 3),
        ]
    )
)


@FIXTURES
@given(parts=st.lists(MARKDOWN | DEEP | bodies(), min_size=1, max_size=4))
def test_validation_finds_what_a_whole_parse_finds(parts: list[str]) -> None:
    # Validation parses inline text only where raw HTML or deep nesting could be: the problems
    # it reports are those a parse of the whole body would give.
    body = "\n\n".join(parts)
    whole, _ = markdown.parse(body)
    expected, found = _FileChecker(SHOWN), _FileChecker(SHOWN)
    _check_markup(whole, 3, expected)
    _check_markup(_parse_for_checks(body), 3, found)
    assert found.problems == expected.problems
