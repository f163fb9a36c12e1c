"""The grader's fast paths (one regular expression for the common response, answers compared as
cached keys, a block graded as columns) give what the grader gave before them, on any input."""

from __future__ import annotations

import grader_reference as reference
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evidence.scoring.grader import (
    answers_match,
    extract_answer,
    extract_answers,
    grade,
    grade_columns,
    normalize_answer,
)

TAGS = ["<reasoning>", "</reasoning>", "<answer>", "</answer>", "<REASONING>", "</Answer>",
        "<answer >", "</ reasoning>", "<", ">", "/", "<<", "</"]
# Every kind of white space str.strip() removes, and invisible characters it does not.
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680",
          "\u2000", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\x00"]
WORDS = ["42", "x", "answer", "reasoning", "1,200", "3/4", ".5", "1e3", "\u2212" + "7",
         "\u0663", "\uff13", "Yes.", "e\u0301", "\u00e9"]
pieces = st.sampled_from(TAGS + SPACES + WORDS) | st.text(max_size=4)
spaces = st.lists(st.sampled_from(SPACES), max_size=3).map("".join)
plain = st.lists(st.sampled_from(WORDS + SPACES), max_size=6).map("".join)
# Text inside a block: mostly plain, now and then a '<', a tag or a stray character.
inside = st.one_of(plain, plain, plain, st.lists(pieces, max_size=6).map("".join))


def near(tag: str) -> st.SearchStrategy[str]:
    """The tag, mostly; else one a character off, in another case, doubled or left out."""
    return st.sampled_from([tag] * 20 + [tag.upper(), tag[:-1], tag + tag, "", tag[1:],
                                         tag.replace("<", "< ")])


# Responses shaped like well-formed ones, each part drawn near what the format asks.
around = st.one_of(spaces, spaces, spaces, pieces)
shaped = st.tuples(around, near("<reasoning>"), inside, near("</reasoning>"), around,
                   near("<answer>"), inside, near("</answer>"), around).map("".join)
responses = shaped | st.lists(pieces, max_size=16).map("".join) | st.text()
answer_pieces = st.sampled_from(["0", "1", "7", ",", ".", "e", "E", "+", "-", "/", " ", "x",
                                 "Yes", "\u2212", "\u0663", "\uff13", "\n", "000", "1e999"])
answers = st.lists(answer_pieces, max_size=10).map("".join) | st.text(max_size=12)


def well_formed(reasoning: str, answer: str, space: str = "") -> str:
    return f"{space}<reasoning>{reasoning}</reasoning>{space}<answer>{answer}</answer>{space}"


@settings(max_examples=3000)
@given(responses)
@example(well_formed("a < b", "4"))
@example(well_formed("x", "<b>4</b>"))
@example(well_formed("x", "4", "\u2028\x1c"))
@example(well_formed("x", " 4 \x85"))
@example(well_formed("x", "4", "\u200b"))
@example("<reasoning></answer>")
@example(well_formed("x</REASONING>", "4"))
def test_extract_answer_is_the_reference(response: str) -> None:
    assert extract_answer(response) == reference.extract_answer(response)


# Where white space may go, and where it is text; every kind of it in each place, not left to
# chance: the fast reading must never be wider than the general one.
PLACES = ["{s}<reasoning>x</reasoning><answer>4</answer>",
          "<reasoning>x</reasoning>{s}<answer>4</answer>",
          "<reasoning>x</reasoning><answer>4</answer>{s}",
          "<reasoning>{s}</reasoning><answer>4{s}</answer>"]


@pytest.mark.parametrize("space", [*SPACES, "\u180e", "\u2060", "\x1d\x1e"])
@pytest.mark.parametrize("place", PLACES)
def test_every_space_in_every_place(space: str, place: str) -> None:
    response = place.format(s=space)
    assert extract_answer(response) == reference.extract_answer(response)


@given(st.lists(responses, max_size=20))
def test_extract_answers_is_extract_answer_of_each(batch: list[str]) -> None:
    assert extract_answers(batch) == [reference.extract_answer(text) for text in batch]


@settings(max_examples=2000)
@given(answers, answers)
@example("1,200", "1200.0")
@example("6/8", "3/4")
@example("1/0", "1/0")
@example("Yes.", "yes")
def test_answers_match_is_the_reference(answer: str, other: str) -> None:
    assert answers_match(answer, other) is reference.answers_match(answer, other)
    assert normalize_answer(answer) == reference.normalize_answer(answer)


@given(st.lists(st.tuples(responses | st.builds(well_formed, answers, answers), answers),
                max_size=20))
def test_grade_columns_are_the_reference_grades(pairs: list[tuple[str, str]]) -> None:
    expected = [reference.grade(response, answer) for response, answer in pairs]
    columns = grade_columns([response for response, _ in pairs], [answer for _, answer in pairs])
    assert columns == ([g.extracted_answer for g in expected], [g.format_ok for g in expected],
                       [g.correct for g in expected])
    for (response, answer), old in zip(pairs, expected, strict=True):
        new = grade(response, answer)
        assert (new.extracted_answer, new.format_ok, new.correct) == \
            (old.extracted_answer, old.format_ok, old.correct)
