"""sinstats._nesting: the cheap bound of a YAML document's nesting, read before parsing.

The bound must never be lower than the real nesting (else deep documents would reach the slow
parser) and stay close to it (else real files would be refused): checked against PyYAML's own
dump of random structures, in block and flow style, with text full of YAML's special characters.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats._nesting import too_deep

SPECIAL = st.text(alphabet=st.sampled_from(list("ab0 -:?#[]{},'\"|>&*!%@`\\\n\t")), max_size=10)
SCALARS = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), SPECIAL)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SPECIAL, inner, max_size=3),
    max_leaves=40,
)


def depth(value: Any) -> int:
    """Containers nest one level more than their deepest item; scalars are level 0."""
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=3000)
@given(TREES, st.sampled_from([None, True, False]))
def test_the_bound_is_never_below_the_real_depth_and_at_most_one_above(
    value: Any, flow: bool | None
) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True, width=40)
    assert yaml.safe_load(text) == value  # the document is what it should be
    real = depth(value)
    if real >= 1:
        assert too_deep(text, real - 1) is not None, text
    assert too_deep(text, real + 1) is None, text


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[" * 999_999, 1),
        ("{" * 999_999, 1),
        ("a: " + "[" * 100, 1),
        ("- " * 500_000, 1),
        ("".join(f"{' ' * i}k{i}:\n" for i in range(100)), 64),
        ("x: 1\ny: [[[[\n" + "[" * 80, 3),  # flow nesting carries across lines
    ],
)
def test_hostile_nesting_is_found_at_once(text: str, line: int) -> None:
    assert too_deep(text, 63) == line


@pytest.mark.parametrize(
    "text",
    [
        "statement: 'see [[[[[[[[ and {{{{{{'\n",  # quoted
        'statement: "a \\" [[[[[[[[[["\n',  # an escaped quote inside double quotes
        "statement: see [[[[[[[[[[ in plain text\n",  # plain scalar in block context
        "note: |\n  [[[[[[[[[[\n  {{{{{{{{{{\nnext: 1\n",  # block scalar
        "a: 1 # [[[[[[[[[[ a comment\n",
        "note: the children's [[[[[[[[[[\n",  # an apostrophe in a plain scalar
    ],
)
def test_brackets_that_are_text_do_not_count(text: str) -> None:
    assert too_deep(text, 3) is None


@pytest.mark.parametrize(
    ("text", "real"),
    [
        ("- 0 |#: 0\n  ':': []\n", 3),  # "|#" is text, not a block scalar's header
        ("key: !!str |\n  [[[[[[\nnext: [[]]\n", 3),  # a tag before the header
    ],
)
def test_a_bar_that_is_text_starts_no_block_scalar(text: str, real: int) -> None:
    assert too_deep(text, real - 1) is not None
