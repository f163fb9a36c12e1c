"""Arithmetic: addition, multiplication, order of operations, fractions."""

from __future__ import annotations

import random
from fractions import Fraction

from training.dataset.problem import Difficulty, Maker, Problem, fmt, fmt_fraction


def addition(rng: random.Random, difficulty: Difficulty) -> Problem:
    digits, terms = {"easy": (2, 2), "medium": (3, 3), "hard": (4, 4)}[difficulty]
    numbers = [rng.randint(10 ** (digits - 1), 10**digits - 1) for _ in range(terms)]
    if difficulty == "hard":
        numbers[-1] = -numbers[-1]
    expression = str(numbers[0]) + "".join(
        f" + {n}" if n >= 0 else f" - {-n}" for n in numbers[1:]
    )
    steps, running = [], numbers[0]
    for n in numbers[1:]:
        before, running = running, running + n
        op = f"+ {n}" if n >= 0 else f"- {-n}"
        steps.append(f"{before} {op} = {running}.")
    return Problem(f"What is {expression}?", " ".join(steps), fmt(running))


def multiplication(rng: random.Random, difficulty: Difficulty) -> Problem:
    low_a, high_a, low_b, high_b = {
        "easy": (2, 9, 11, 99),
        "medium": (11, 99, 11, 99),
        "hard": (101, 999, 11, 99),
    }[difficulty]
    a, b = rng.randint(low_a, high_a), rng.randint(low_b, high_b)
    tens, units = b // 10 * 10, b % 10
    reasoning = (f"{a} * {b} = {a} * {tens} + {a} * {units} = {a * tens} + {a * units} "
                 f"= {a * b}.")
    return Problem(f"What is {a} * {b}?", reasoning, fmt(a * b))


def order_of_operations(rng: random.Random, difficulty: Difficulty) -> Problem:
    a, b, c, d = (rng.randint(2, 12) for _ in range(4))
    if difficulty == "easy":
        question, value = f"{a} + {b} * {c}", a + b * c
        reasoning = f"Multiply first: {b} * {c} = {b * c}. Then {a} + {b * c} = {value}."
    elif difficulty == "medium":
        question, value = f"({a} + {b}) * {c} - {d}", (a + b) * c - d
        reasoning = (f"Brackets first: {a} + {b} = {a + b}. Then {a + b} * {c} = {(a + b) * c}. "
                     f"Then {(a + b) * c} - {d} = {value}.")
    else:
        e = rng.randint(2, 6)
        f = e * rng.randint(2, 9)
        value = a * (b - c) + f // e - d
        question = f"{a} * ({b} - {c}) + {f} / {e} - {d}"
        reasoning = (f"Brackets first: {b} - {c} = {b - c}. Then {a} * {b - c} = {a * (b - c)} "
                     f"and {f} / {e} = {f // e}. Finally {a * (b - c)} + {f // e} - {d} "
                     f"= {value}.")
    return Problem(f"What is {question}?", reasoning, fmt(value))


def fractions(rng: random.Random, difficulty: Difficulty) -> Problem:
    if difficulty == "easy":
        d = rng.randint(3, 12)
        p, q = rng.randint(1, d - 1), rng.randint(1, d - 1)
        total = Fraction(p + q, d)
        reasoning = (f"The denominators match, so add the numerators: {p}/{d} + {q}/{d} = "
                     f"{p + q}/{d} = {fmt_fraction(total)}.")
        return Problem(f"What is {p}/{d} + {q}/{d}? Give the answer in lowest terms.",
                       reasoning, fmt_fraction(total))
    da, db = rng.sample(range(2, 10), 2)
    na, nb = rng.randint(1, da - 1), rng.randint(1, db - 1)
    x, y = Fraction(na, da), Fraction(nb, db)
    common = da * db
    if difficulty == "medium":
        total = x + y
        reasoning = (f"Use the common denominator {common}: {na * db}/{common} + "
                     f"{nb * da}/{common} = {na * db + nb * da}/{common} = {fmt_fraction(total)}.")
        return Problem(f"What is {na}/{da} + {nb}/{db}? Give the answer in lowest terms.",
                       reasoning, fmt_fraction(total))
    k = rng.randint(2, 5)
    product = x * y
    total = product + k
    reasoning = (f"Multiply first: {na}/{da} * {nb}/{db} = {na * nb}/{common} = "
                 f"{fmt_fraction(product)}. Then add {k}: {fmt_fraction(product)} + {k} = "
                 f"{fmt_fraction(total)}.")
    return Problem(f"What is {na}/{da} * {nb}/{db} + {k}? Give the answer in lowest terms.",
                   reasoning, fmt_fraction(total))


CATEGORIES: dict[str, Maker] = {
    "addition": addition,
    "multiplication": multiplication,
    "order_of_operations": order_of_operations,
    "fractions": fractions,
}
