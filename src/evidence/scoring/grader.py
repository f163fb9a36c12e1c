"""The one grader: extract the answer from a response and compare it with the reference.

A response is well formed when, stripped of surrounding whitespace, it is exactly one
``<reasoning>…</reasoning>`` block followed by one ``<answer>…</answer>`` block. Anything else is
``format_ok: false`` and wrong, whatever it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

_TAGS = ("<reasoning>", "</reasoning>", "<answer>", "</answer>")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_FRACTION_RE = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)$")


@dataclass(frozen=True, slots=True)
class Grade:
    extracted_answer: str | None
    format_ok: bool
    correct: bool


def _has_tag(text: str) -> bool:
    return "<" in text and any(tag in text for tag in _TAGS)


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


def _as_number(text: str) -> Fraction | None:
    fraction = _FRACTION_RE.match(text)
    if fraction:
        denominator = int(fraction.group(2))
        return Fraction(int(fraction.group(1)), denominator) if denominator else None
    if _NUMBER_RE.match(text):
        return Fraction(text.replace(",", ""))
    return None


@lru_cache(maxsize=65536)
def normalize_answer(text: str) -> str | Fraction:
    """Numbers become exact values (1,200 == 1200.0; 6/8 == 3/4); words casefolded, a trailing
    period dropped, whitespace collapsed."""
    cleaned = " ".join(text.split()).removesuffix(".").strip()
    number = _as_number(cleaned)
    return number if number is not None else cleaned.casefold()


def answers_match(extracted: str, reference: str) -> bool:
    return normalize_answer(extracted) == normalize_answer(reference)


def grade(response: str, reference: str) -> Grade:
    extracted = extract_answer(response)
    if extracted is None:
        return Grade(extracted_answer=None, format_ok=False, correct=False)
    return Grade(extracted_answer=extracted, format_ok=True,
                 correct=answers_match(extracted, reference))
