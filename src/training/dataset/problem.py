"""What a section generator produces, and the number formatting every section shares."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Problem:
    """One generated problem: the question, a worked solution, and the reference answer.

    The answer is written so the evidence grader accepts it: an integer, a short decimal, a
    reduced fraction, or a single lowercase word.
    """

    question: str
    reasoning: str
    answer: str


# A maker draws one problem of a category at a difficulty from the generator's random source.
Maker = Callable[[random.Random, Difficulty], Problem]


def fmt(value: Fraction | int) -> str:
    """An exact number as the grader reads it: 12, -3, 2.5, 0.25, or 3/7 when no short decimal
    is exact."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    for places in (1, 2):
        scaled = value * 10**places
        if scaled.denominator == 1:
            sign = "-" if scaled < 0 else ""
            digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
            return f"{sign}{digits[:-places]}.{digits[-places:]}"
    return f"{value.numerator}/{value.denominator}"


def fmt_fraction(value: Fraction) -> str:
    """An exact number in lowest terms as a fraction: 7/12, or 2 when it is whole."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def signed(value: int) -> str:
    """A term written after an operator: '+ 3' or '- 3'."""
    return f"+ {value}" if value >= 0 else f"- {-value}"


NAMES = ("Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
         "Yara")


def pick_names(rng: random.Random, count: int) -> list[str]:
    return rng.sample(NAMES, count)
