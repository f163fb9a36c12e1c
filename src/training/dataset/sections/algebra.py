"""Algebra: linear equations, substitution, systems of equations, exponents.

Every problem is built backwards from its integer solution, so the answer is exact by
construction.
"""

from __future__ import annotations

import random

from training.dataset.problem import Difficulty, Maker, Problem, fmt, signed


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    return rng.choice([n for n in range(low, high + 1) if n != 0])


def linear_equations(rng: random.Random, difficulty: Difficulty) -> Problem:
    x = rng.randint(-12, 12)
    if difficulty == "easy":
        a = rng.randint(1, 30)
        b = x + a
        reasoning = f"Subtract {a} from both sides: x = {b} - {a} = {x}."
        return Problem(f"Solve for x: x + {a} = {b}.", reasoning, fmt(x))
    a, b = rng.randint(2, 9), _nonzero(rng, -20, 20)
    if difficulty == "medium":
        c = a * x + b
        reasoning = (f"Subtract {b} from both sides: {a}x = {c - b}. Divide by {a}: x = {x}."
                     if b > 0 else
                     f"Add {-b} to both sides: {a}x = {c - b}. Divide by {a}: x = {x}.")
        return Problem(f"Solve for x: {a}x {signed(b)} = {c}.", reasoning, fmt(x))
    c = rng.choice([n for n in range(1, 9) if n != a])
    d = a * x + b - c * x
    reasoning = (f"Move the x terms to the left and the constants to the right: "
                 f"{a}x - {c}x = {d} - ({b}), so {a - c}x = {d - b}. "
                 f"Divide by {a - c}: x = {x}.")
    return Problem(f"Solve for x: {a}x {signed(b)} = {c}x {signed(d)}.", reasoning, fmt(x))


def substitution(rng: random.Random, difficulty: Difficulty) -> Problem:
    x = rng.randint(-6, 9)
    if difficulty == "easy":
        a, b = rng.randint(2, 9), rng.randint(1, 20)
        value = a * x + b
        reasoning = f"{a} * ({x}) + {b} = {a * x} + {b} = {value}."
        return Problem(f"What is {a}x + {b} when x = {x}?", reasoning, fmt(value))
    if difficulty == "medium":
        b, c = rng.randint(1, 9), rng.randint(-10, 10)
        value = x * x - b * x + c
        reasoning = (f"x^2 = {x * x} and {b}x = {b * x}, so {x * x} - ({b * x}) {signed(c)} "
                     f"= {value}.")
        return Problem(f"What is x^2 - {b}x {signed(c)} when x = {x}?", reasoning, fmt(value))
    y = rng.randint(-5, 8)
    a, b = rng.randint(2, 5), rng.randint(2, 6)
    value = a * x * x - b * x * y + y
    reasoning = (f"{a}x^2 = {a} * {x * x} = {a * x * x}; {b}xy = {b} * ({x}) * ({y}) = "
                 f"{b * x * y}. So {a * x * x} - ({b * x * y}) + ({y}) = {value}.")
    return Problem(f"What is {a}x^2 - {b}xy + y when x = {x} and y = {y}?", reasoning,
                   fmt(value))


def systems(rng: random.Random, difficulty: Difficulty) -> Problem:
    x, y = rng.randint(-9, 12), rng.randint(-9, 12)
    if difficulty == "easy":
        s, d = x + y, x - y
        reasoning = (f"Add the equations: 2x = {s} + ({d}) = {s + d}, so x = {x}.")
        return Problem(f"If x + y = {s} and x - y = {d}, what is x?", reasoning, fmt(x))
    if difficulty == "medium":
        a = rng.randint(2, 6)
        e1, e2 = a * x + y, x + y
        reasoning = (f"Subtract the second equation from the first: {a - 1}x = {e1} - ({e2}) "
                     f"= {e1 - e2}, so x = {x}. Then y = {e2} - ({x}) = {y}.")
        return Problem(f"If {a}x + y = {e1} and x + y = {e2}, what is y?", reasoning, fmt(y))
    a, b = rng.randint(2, 5), rng.randint(2, 5)
    c, d = rng.randint(1, 4), _nonzero(rng, -4, 4)
    while a * d - b * c == 0:
        d = _nonzero(rng, -4, 4)
    e1, e2 = a * x + b * y, c * x + d * y
    det = a * d - b * c
    reasoning = (f"By elimination, x = ({e1} * {d} - {b} * {e2}) / ({a} * {d} - {b} * {c}) "
                 f"= {e1 * d - b * e2} / {det} = {x}, and y = ({a} * {e2} - {c} * {e1}) / {det} "
                 f"= {y}. So x + y = {x + y}.")
    question = (f"If {a}x + {b}y = {e1} and {c}x {signed(d)}y = {e2}, what is x + y?")
    return Problem(question, reasoning, fmt(x + y))


def exponents(rng: random.Random, difficulty: Difficulty) -> Problem:
    if difficulty == "easy":
        base, power = rng.randint(2, 9), rng.randint(2, 3)
        value = base**power
        reasoning = " * ".join([str(base)] * power) + f" = {value}."
        return Problem(f"What is {base}^{power}?", reasoning, fmt(value))
    if difficulty == "medium":
        p, q = rng.randint(2, 9), rng.randint(2, 9)
        reasoning = f"Multiplying powers of the same base adds the exponents: {p} + {q} = {p + q}."
        return Problem(f"If x^{p} * x^{q} = x^n, what is n?", reasoning, fmt(p + q))
    p, q, r = rng.randint(2, 6), rng.randint(2, 5), rng.randint(1, 9)
    n = p * q - r
    reasoning = (f"A power of a power multiplies the exponents: (x^{p})^{q} = x^{p * q}. "
                 f"Dividing by x^{r} subtracts: {p * q} - {r} = {n}.")
    return Problem(f"If (x^{p})^{q} / x^{r} = x^n, what is n?", reasoning, fmt(n))


CATEGORIES: dict[str, Maker] = {
    "linear_equations": linear_equations,
    "substitution": substitution,
    "systems": systems,
    "exponents": exponents,
}
