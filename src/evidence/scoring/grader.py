"""The one grader: extract the answer from a response and compare it with the reference.

A response is well formed when, stripped of surrounding whitespace, it is exactly one
``<reasoning>…</reasoning>`` block followed by one ``<answer>…</answer>`` block. Anything else is
``format_ok: false`` and wrong, whatever it says. How answers compare is written down in
docs/evidence.md ("How answers compare"); the trainer and `validate` both grade with this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import repeat
from operator import and_, eq, is_not
from typing import cast

# A tag in any case (<ANSWER>, </Reasoning>) inside a block makes the response ambiguous.
_TAG_RE = re.compile(r"</?(?:reasoning|answer)>", re.ASCII | re.IGNORECASE)
# ASCII digits only: other scripts' digits are folded to ASCII first (`_fold_unicode`). A number
# may start with its point (.5) and carry an exponent of at most three digits (1e3, 2.5E-4).
_NUMBER_RE = re.compile(r"^[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
                        r"(?:[eE][+-]?[0-9]{1,3})?$")
_FRACTION_RE = re.compile(r"^([+-]?[0-9]+)\s*/\s*([0-9]+)$", re.ASCII)
_MINUS_SIGN = "\u2212"
# The grades of a block of responses: extracted_answer, format_ok and correct, one entry a row.
Columns = tuple[list[str | None], list[bool], list[bool]]


@dataclass(frozen=True, slots=True)
class Grade:
    extracted_answer: str | None
    format_ok: bool
    correct: bool


_OPEN, _CLOSE = "<reasoning>", "</reasoning>"
_ANSWER_OPEN, _ANSWER_CLOSE = "<answer>", "</answer>"
# A response with no '<' but those of its four tags: nearly every well-formed one. Its loops are
# possessive (they never give back), so the match is one pass that never backtracks, and `\s` is
# what str.strip() strips (both ask Py_UNICODE_ISSPACE). Any other response takes the general
# reading, `_extract_in_general`.
_PLAIN_RE = re.compile(r"\s*+<reasoning>[^<]*+</reasoning>\s*+<answer>([^<]*+)</answer>\s*+\Z")


def extract_answer(response: str) -> str | None:
    """The text inside the answer block of a well-formed response, stripped; None otherwise."""
    plain = _PLAIN_RE.match(response)
    return plain[1].strip() if plain else _extract_in_general(response)


def extract_answers(responses: Iterable[str]) -> list[str | None]:
    """extract_answer of each response; validate re-grades every row of predictions.jsonl, and
    this reads the common form with no Python call a row."""
    responses = list(responses)
    return [plain[1].strip() if plain else _extract_in_general(response)
            for plain, response in zip(map(_PLAIN_RE.match, responses), responses, strict=True)]


def _extract_in_general(response: str) -> str | None:
    """Written with string methods, not one regular expression (whose lazy search across a long
    reasoning is slow), searching the reasoning in place rather than copying it."""
    text = response.strip()
    if not text.startswith(_OPEN) or not text.endswith(_ANSWER_CLOSE):
        return None
    closed = text.find(_CLOSE, len(_OPEN))
    if closed < 0 or _TAG_RE.search(text, len(_OPEN), closed):
        return None
    rest = text[closed + len(_CLOSE):].lstrip()
    if not rest.startswith(_ANSWER_OPEN) or len(rest) < len(_ANSWER_OPEN + _ANSWER_CLOSE):
        return None
    answer = rest[len(_ANSWER_OPEN):-len(_ANSWER_CLOSE)]
    if "<" in answer and _TAG_RE.search(answer):
        return None
    return answer.strip()


# An answer longer than this is never read as a number: no reference answer is one, CPython
# refuses to convert integers past 4,300 digits, and exact arithmetic on huge ones is slow. Such
# an answer is compared as text, so it equals only itself.
MAX_NUMBER_CHARS = 100


# Both number forms start with a sign, a point or a digit: any other text skips both patterns.
_NUMBER_START = frozenset("+-.0123456789")


def _as_number(text: str) -> Fraction | None:
    if len(text) > MAX_NUMBER_CHARS or not text or text[0] not in _NUMBER_START:
        return None
    fraction = _FRACTION_RE.match(text)
    if fraction:
        denominator = int(fraction.group(2))
        return Fraction(int(fraction.group(1)), denominator) if denominator else None
    if _NUMBER_RE.match(text):
        return Fraction(text.replace(",", ""))
    return None


def _fold_unicode(text: str) -> str:
    """NFC (one spelling per character: é composed or decomposed), then every decimal digit of
    any script (Arabic-Indic U+0663, fullwidth U+FF13, ...) as its ASCII digit and U+2212 as
    '-'. Not NFKC: that would also make x² into x2, ① into 1 and U+FF1C into <."""
    composed = unicodedata.normalize("NFC", text).replace(_MINUS_SIGN, "-")
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii()
                   else char for char in composed)


def normalize_answer(text: str) -> str | Fraction:
    """Numbers become exact values (1,200 == 1200.0 == 1.2e3; 6/8 == 3/4; .5 == 0.5); words
    casefolded, a trailing period dropped, whitespace collapsed; non-ASCII text in NFC with its
    digits and minus signs in ASCII first. ASCII text, nearly every answer, skips that step."""
    unicode = not text.isascii()
    if unicode:
        text = _fold_unicode(text)
    cleaned = " ".join(text.split()).removesuffix(".").strip()
    number = _as_number(cleaned)
    if number is not None:
        return number
    folded = cleaned.casefold()
    return unicodedata.normalize("NFC", folded) if unicode else folded


@lru_cache(maxsize=65536)
def _comparable(text: str) -> str | tuple[int, int]:
    """normalize_answer's value in a form that compares without a Python call: a Fraction as
    (numerator, denominator), which Fraction keeps in lowest terms with a positive denominator,
    so equal values give equal pairs; text as itself, which no pair equals, as no Fraction
    equals a str. Cached: the same answers and references come back row after row."""
    value = normalize_answer(text)
    return value if isinstance(value, str) else (value.numerator, value.denominator)


def answers_match(extracted: str, reference: str) -> bool:
    """Whether the two normalize to the same value; the same text always does."""
    return extracted == reference or _comparable(extracted) == _comparable(reference)


def grade(response: str, reference: str) -> Grade:
    extracted = extract_answer(response)
    if extracted is None:
        return Grade(extracted_answer=None, format_ok=False, correct=False)
    return Grade(extracted_answer=extracted, format_ok=True,
                 correct=answers_match(extracted, reference))


# A response without an answer block is compared as "" and its match then dropped.
_NO_ANSWER: dict[str | None, str | None] = {None: ""}


def grade_columns(responses: Iterable[str], references: Iterable[str]) -> Columns:
    """`grade` of each (response, reference) pair, as the columns (extracted_answer, format_ok,
    correct). validate re-grades every row of predictions.jsonl a block at a time: each step is
    one C call a row (map, operator), none a Python call, for every well-formed response that
    holds no '<' of its own and every answer seen before."""
    extracted = extract_answers(responses)
    format_ok = list(map(is_not, extracted, repeat(None)))
    answers = cast("Iterator[str]", map(_NO_ANSWER.get, extracted, extracted))
    compared = map(_comparable, answers)
    same = map(eq, compared, map(_comparable, references))
    return extracted, format_ok, list(map(and_, format_ok, same))
