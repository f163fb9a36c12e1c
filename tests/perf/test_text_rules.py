"""A field's pattern checked over a whole block at once (the values joined by newlines) gives
the verdict that checking the values one by one gives, and costs no more."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_block_path import model_accepts

from evidence.models.types import GitCommit, Identifier, Sha256
from evidence.validation.predictions import shape
from runbuilder import sample_predictions


def _pattern(annotated: Any) -> str:
    return str(annotated.__metadata__[0].pattern)


@pytest.mark.parametrize("annotated", [Identifier, Sha256, GitCommit])
def test_the_models_id_patterns_are_checked_joined(annotated: Any) -> None:
    assert shape.one_line_pieces(_pattern(annotated)) is not None


def test_the_item_id_rule_is_the_joined_one() -> None:
    rules = {rule.value.__reduce__()[1][0]: rule for rule in shape.TEXT_RULES}
    assert rules["item_id"].joined_fullmatch is not None
    # Names may hold almost any character, so they are checked value by value (a block's few
    # distinct ones).
    assert rules["section"].joined_fullmatch is None


@pytest.mark.parametrize("pattern", [
    r"^a.b$",            # a dot
    r"^[^a]+$",          # a negated class matches a newline
    r"^\d+$",            # an escape
    r"^[\w]+$",          # an escape in a class
    r"^(a|b)$",          # a group
    r"^a|b$",            # an alternation
    r"^[a-z]*?$",        # lazy
    r"^[a-z]*+$",        # possessive
    r"^[a-z]+",          # not anchored at the end
    r"[a-z]+$",          # nor at the start
    "^[a\n]+$",          # a raw newline
    "^[a\t]+$",          # a raw control character
    "^[é]+$",            # not ASCII
    r"^[[:alpha:]]+$",   # a class in a class
    r"^[]a]+$",          # a class that starts with its closing bracket
])
def test_patterns_that_might_match_a_newline_are_checked_value_by_value(pattern: str) -> None:
    assert shape.one_line_pieces(pattern) is None


# Patterns of the recognised form: classes and plain characters, each quantified at most once.
CLASS_MEMBERS = st.sampled_from(["a", "b", "z", "0", "9", "_", ".", " ", "a-c", "0-9", "A-F",
                                 "x-z", ":", "/"])
ATOMS = st.one_of(
    st.lists(CLASS_MEMBERS, min_size=1, max_size=3).map(lambda members: f"[{''.join(members)}]"),
    st.sampled_from(["a", "b", "-", "_", "1", ":", " "]))
QUANTIFIERS = st.sampled_from(["", "?", "*", "+", "{2}", "{0,3}", "{1,}"])
PATTERNS = st.lists(st.tuples(ATOMS, QUANTIFIERS).map("".join), min_size=1, max_size=4).map(
    lambda atoms: "^" + "".join(atoms) + "$")
VALUES = st.text(alphabet="ab0z9_. :/-1AF\n\rx", max_size=6)


@settings(max_examples=500, deadline=None)
@given(PATTERNS, st.lists(VALUES, max_size=8), st.integers(0, 2), st.none() | st.integers(0, 6))
def test_joined_and_one_by_one_agree(pattern: str, values: list[str], min_length: int,
                                     max_length: int | None) -> None:
    joined = shape.one_line_pieces(pattern)
    assert joined is not None, pattern
    fullmatch = re.compile(pattern).fullmatch
    fast = shape.TextRule(str, fullmatch, min_length, max_length, joined)
    one_by_one = all(fullmatch(value) and len(value) >= min_length
                     and (max_length is None or len(value) <= max_length) for value in values)
    assert fast.holds(values) == one_by_one, (pattern, values)


def test_a_failing_value_after_many_costs_no_backtracking() -> None:
    """A pattern with many ways to match one value: without the atomic pieces, each value
    before the failing one would be tried every way (45 ** 6 tries for six values)."""
    code = ("from evidence.validation.predictions.shape import one_line_pieces\n"
            "match = one_line_pieces('^[a-z]*[a-z]*[a-z]*$')\n"
            "assert match('\\n'.join(['abcdefgh'] * 200 + ['abc1'])) is None\n"
            "assert match('\\n'.join(['abcdefgh'] * 200 + ['abc'])) is not None\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


ROWS = [row.model_dump(mode="json") for row in sample_predictions()]
IDS = st.one_of(st.sampled_from(["id-1", "a", "A.b_c-9", "a" * 128, "", "-id", "a" * 129,
                                 "id\n", "id\nid", "\nid", "é", "id 1", "id\r"]),
                st.text(alphabet="aZ9._-\n é", max_size=5))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ROWS), IDS), min_size=1, max_size=12))
def test_a_block_of_hostile_ids_is_refused_when_the_model_refuses_one(
        rows: list[tuple[dict[str, Any], str]]) -> None:
    lines = [json.dumps(dict(row, item_id=item_id)).encode() for row, item_id in rows]
    decoded = shape.decode(b"[" + b",".join(lines) + b"]")
    every_one_valid = all(shape.decode(b"[" + line + b"]") is not None for line in lines)
    model_accepts_all = all(model_accepts(line) is not None for line in lines)
    assert (decoded is not None) == every_one_valid == model_accepts_all
