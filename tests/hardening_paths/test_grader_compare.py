"""How answers compare (docs/evidence.md, "How answers compare"): one grader for the trainer and
`validate`, so every rule is tested here once."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.scoring.grader import answers_match, extract_answer, grade

WRAP = "<reasoning>thinking</reasoning><answer>{}</answer>"


@pytest.mark.parametrize(("answer", "reference"), [
    ("\u0663", "3"),                 # Arabic-Indic three
    ("\uff13", "3"),                 # fullwidth three
    ("\u0661\u0662", "12"),          # Arabic-Indic twelve
    ("\u09e9.\u09eb", "3.5"),        # Bengali digits with an ASCII point
    ("\u22123", "-3"),               # U+2212 MINUS SIGN
    ("\u22121/2", "-0.5"),
    (".5", "0.5"),
    (".5", "1/2"),
    ("-.25", "-1/4"),
    ("1e3", "1000"),
    ("1E3", "1,000"),
    ("2.5e-1", "1/4"),
    ("caf\u00e9", "cafe\u0301"),     # composed and decomposed é
    ("CAF\u00c9", "cafe\u0301"),
    ("\u0663 apples", "3 apples"),
])
def test_equal(answer: str, reference: str) -> None:
    assert answers_match(answer, reference)
    assert grade(WRAP.format(answer), reference).correct


@pytest.mark.parametrize(("answer", "reference"), [
    ("x\u00b2", "x2"),               # NFC, not NFKC: a superscript is not a digit
    ("\u2460", "1"),                 # circled one
    ("\u00bd", "1/2"),               # vulgar fraction one half is text
    ("1e1000", "1e1000x"),
    ("1e", "1"),
    ("e3", "1000"),
    (".", "0"),
    ("1.", "1.0x"),
])
def test_not_equal(answer: str, reference: str) -> None:
    assert not answers_match(answer, reference)


def test_long_exponent_is_text_not_a_huge_number() -> None:
    assert not answers_match("1e99999", "1e99998")
    assert answers_match("1e99999", "1E99999".lower())


@pytest.mark.parametrize("response", [
    "<reasoning>r</reasoning><answer>3 <ANSWER>4</ANSWER></answer>",
    "<reasoning>r <ANSWER>4</ANSWER></reasoning><answer>3</answer>",
    "<reasoning>r</Reasoning></reasoning><answer>3</answer>",
    "<reasoning>r</reasoning><answer>3</Answer></answer>",
    "<REASONING>r</REASONING><ANSWER>3</ANSWER>",
    "<reasoning>r</reasoning><ANSWER>3</ANSWER>",
])
def test_a_tag_in_any_case_where_it_does_not_belong_is_malformed(response: str) -> None:
    assert grade(response, "3").format_ok is False


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2003", "\u2028", "\n\t ", "\u0085"])
def test_unicode_whitespace_between_and_around_blocks(space: str) -> None:
    response = f"{space}<reasoning>r</reasoning>{space}<answer>{space}3{space}</answer>{space}"
    assert grade(response, "3") == grade("<reasoning>r</reasoning><answer>3</answer>", "3")


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff"])
def test_invisible_characters_that_are_not_whitespace_are_malformed(invisible: str) -> None:
    assert extract_answer(f"<reasoning>r</reasoning>{invisible}<answer>3</answer>") is None


ANSWERS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(ANSWERS, st.sampled_from(["NFC", "NFD"]), st.sampled_from(["NFC", "NFD"]))
def test_any_normal_form_of_an_answer_grades_the_same(text: str, first: str,
                                                      second: str) -> None:
    one = unicodedata.normalize(first, text)
    other = unicodedata.normalize(second, text)
    assert answers_match(one, other)
    assert grade(WRAP.format(one), other).correct == grade(WRAP.format(other), other).correct


@given(st.integers(-10**12, 10**12))
def test_digits_of_any_script_read_as_ascii(value: int) -> None:
    arabic = str(value).translate(str.maketrans("0123456789-", "\u0660\u0661\u0662\u0663"
                                                "\u0664\u0665\u0666\u0667\u0668\u0669\u2212"))
    fullwidth = str(value).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    assert answers_match(arabic, str(value)) and answers_match(fullwidth, str(value))
