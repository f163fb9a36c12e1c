from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.scoring.grader import extract_answer, grade, normalize_answer


@pytest.mark.parametrize(("response", "reference", "format_ok", "correct"), [
    ("<reasoning>2+2</reasoning><answer>4</answer>", "4", True, True),
    ("  <reasoning>x</reasoning>\n\n<answer> 4 </answer>\n", "4", True, True),
    ("<reasoning>x</reasoning><answer>1,200</answer>", "1200", True, True),
    ("<reasoning>x</reasoning><answer>2.50</answer>", "2.5", True, True),
    ("<reasoning>x</reasoning><answer>6/8</answer>", "3/4", True, True),
    ("<reasoning>x</reasoning><answer>0.75</answer>", "3/4", True, True),
    ("<reasoning>x</reasoning><answer>Yes.</answer>", "yes", True, True),
    ("<reasoning>x</reasoning><answer>New   York</answer>", "new york", True, True),
    ("<reasoning>x</reasoning><answer>5</answer>", "4", True, False),
    ("<reasoning>x</reasoning><answer>1/0</answer>", "1", True, False),
    ("<answer>4</answer>", "4", False, False),
    ("4", "4", False, False),
    ("<reasoning>x</reasoning><answer>4</answer> and more", "4", False, False),
    ("<reasoning>x</reasoning><answer>4</answer><answer>5</answer>", "4", False, False),
    ("<reasoning>x<answer>4</answer></reasoning><answer>4</answer>", "4", False, False),
    ("<reasoning>x</reasoning><answer>4", "4", False, False),
    ("", "4", False, False),
])
def test_grade(response: str, reference: str, format_ok: bool, correct: bool) -> None:
    result = grade(response, reference)
    assert (result.format_ok, result.correct) == (format_ok, correct)
    assert (result.extracted_answer is None) == (not format_ok)


def test_extracts_the_answer_text_stripped() -> None:
    assert extract_answer("<reasoning>r</reasoning><answer>  forty two </answer>") == "forty two"


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_match_with_and_without_thousands_separators(value: int) -> None:
    assert normalize_answer(f"{value:,}") == normalize_answer(str(value))


@given(st.text(max_size=200))
def test_grading_never_raises_and_wrong_format_is_never_correct(response: str) -> None:
    result = grade(response, "42")
    assert not result.correct or result.format_ok


# The format rule as one regular expression: the specification the fast extractor must meet.
SPEC = re.compile(
    r"\A\s*<reasoning>(?:(?!</?reasoning>|</?answer>).)*</reasoning>\s*"
    r"<answer>((?:(?!</?reasoning>|</?answer>).)*)</answer>\s*\Z", re.DOTALL)
pieces = st.sampled_from(["<reasoning>", "</reasoning>", "<answer>", "</answer>", " ", "\n",
                          "42", "x", "<", ">", "/", "answer"])


@given(st.lists(pieces, max_size=12).map("".join))
def test_extractor_meets_the_format_specification(response: str) -> None:
    match = SPEC.match(response)
    assert extract_answer(response) == (match.group(1).strip() if match else None)
