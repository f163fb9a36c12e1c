"""The grader as it was before its fast paths (commit 54cf03c), kept verbatim below this
docstring as the reference they are tested against: the trainer grades with the grader too, so
its results must not change on any input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

# A tag in any case (<ANSWER>, </Reasoning>) inside a block makes the response ambiguous.
_TAG_RE = re.compile(r"</?(?:reasoning|answer)>", re.ASCII | re.IGNORECASE)
# ASCII digits only: other scripts' digits are folded to ASCII first (`_fold_unicode`). A number
# may start with its point (.5) and carry an exponent of at most three digits (1e3, 2.5E-4).
_NUMBER_RE = re.compile(r"^[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
                        r"(?:[eE][+-]?[0-9]{1,3})?$")
_FRACTION_RE = re.compile(r"^([+-]?[0-9]+)\s*/\s*([0-9]+)$", re.ASCII)
_MINUS_SIGN = "\u2212"


@dataclass(frozen=True, slots=True)
class Grade:
    extracted_answer: str | None
    format_ok: bool
    correct: bool


def _has_tag(text: str) -> bool:
    return "<" in text and _TAG_RE.search(text) is not None


def extract_answer(response: str) -> str | None:
    """The text inside the answer block of a well-formed response, stripped; None otherwise.

    Written with string methods rather than one regular expression: `validate` re-grades every
    row of predictions.jsonl, and this is several times faster."""
    text = response.strip()
    if not text.startswith("<reasoning>") or not text.endswith("</answer>"):
        return None
    reasoning, closed, rest = text[len("<reasoning>"):].partition("</reasoning>")
    rest = rest.lstrip()
    if not closed or not rest.startswith("<answer>") or _has_tag(reasoning):
        return None
    answer = rest[len("<answer>"):-len("</answer>")]
    if len(rest) < len("<answer></answer>") or _has_tag(answer):
        return None
    return answer.strip()


# An answer longer than this is never read as a number: no reference answer is one, CPython
# refuses to convert integers past 4,300 digits, and exact arithmetic on huge ones is slow. Such
# an answer is compared as text, so it equals only itself.
MAX_NUMBER_CHARS = 100


def _as_number(text: str) -> Fraction | None:
    if len(text) > MAX_NUMBER_CHARS:
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


@lru_cache(maxsize=65536)
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


def answers_match(extracted: str, reference: str) -> bool:
    return normalize_answer(extracted) == normalize_answer(reference)


def grade(response: str, reference: str) -> Grade:
    extracted = extract_answer(response)
    if extracted is None:
        return Grade(extracted_answer=None, format_ok=False, correct=False)
    return Grade(extracted_answer=extracted, format_ok=True,
                 correct=answers_match(extracted, reference))
