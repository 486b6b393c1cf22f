"""Front matter parsed by libyaml is the same tree PyYAML's own parser gives, or the same error.

CI runs a short, derandomized version (the `ci` profile); HYPOTHESIS_PROFILE=long for 10,000.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from newsletter.issues import _FAST, _compose, _Loader

from .test_properties import FIXTURES, FRONT, valid_front_matter

PIECES = [
    "number: 8\n",
    "date: 2024-10-21\n",
    "title: ",
    "tags: [a, b]\n",
    "- ",
    "  ",
    ": ",
    "\n",
    "'",
    '"',
    "\\",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\t",
    "\x85",
    "\u2028",
    "\ufeff",
    "《俄罗斯研究》",
    "~",
    "null",
    "0x1F",
    "1e3",
    "yes",
]
TEXTS = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=30).map("".join)
SHAPED = FRONT.map(lambda front: yaml.safe_dump(front, allow_unicode=True, sort_keys=False))


def _tree(node: yaml.Node | None) -> Any:
    """A node tree as plain data: kind, tag, value, quoting and where each node starts."""
    if node is None:
        return None
    start = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.style or None, start)  # libyaml: "" plain
    if isinstance(node, yaml.SequenceNode):
        return ("sequence", node.tag, [_tree(item) for item in node.value], start)
    pairs = [(_tree(key), _tree(value)) for key, value in node.value]
    return ("mapping", node.tag, pairs, start)


def _outcome(parse: Any) -> Any:
    try:
        return _tree(parse())
    except yaml.YAMLError as exc:
        return ("error", str(exc))
    except RecursionError:
        return ("too deep",)


@pytest.mark.skipif(_FAST is None, reason="PyYAML without libyaml")
@FIXTURES
@given(front=TEXTS | SHAPED | st.just(valid_front_matter()))
def test_libyaml_reads_front_matter_as_pyyaml_does(front: str) -> None:
    assert _outcome(lambda: _compose(front)) == _outcome(lambda: _Loader(front).get_single_node())
