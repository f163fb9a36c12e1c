"""Number theory: sequences, gcd and lcm, remainders, primes."""

from __future__ import annotations

import math
import random

from training.dataset.problem import Difficulty, Maker, Problem, fmt


def sequences(rng: random.Random, difficulty: Difficulty) -> Problem:
    if difficulty == "easy":
        start, step = rng.randint(-10, 30), rng.choice([n for n in range(-9, 13) if n != 0])
        terms = [start + step * i for i in range(5)]
        nxt = terms[-1] + step
        op = "+" if step > 0 else "-"
        reasoning = f"Each term adds {step}: {terms[-1]} {op} {abs(step)} = {nxt}."
    elif difficulty == "medium":
        start, ratio = rng.randint(1, 6), rng.choice((2, 3, -2, 4))
        terms = [start * ratio**i for i in range(4)]
        nxt = terms[-1] * ratio
        reasoning = f"Each term is multiplied by {ratio}: {terms[-1]} * {ratio} = {nxt}."
    else:
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        terms = [a, b]
        while len(terms) < 6:
            terms.append(terms[-1] + terms[-2])
        nxt = terms[-1] + terms[-2]
        reasoning = (f"Each term is the sum of the two before it: {terms[-2]} + {terms[-1]} "
                     f"= {nxt}.")
    listed = ", ".join(str(t) for t in terms)
    return Problem(f"What is the next number in the sequence {listed}, ...?", reasoning,
                   fmt(nxt))


def gcd_lcm(rng: random.Random, difficulty: Difficulty) -> Problem:
    common = rng.randint(2, 12)
    a, b = common * rng.randint(2, 12), common * rng.randint(2, 12)
    while a == b:
        b = common * rng.randint(2, 12)
    if difficulty == "easy":
        g = math.gcd(a, b)
        reasoning = f"The largest number dividing both {a} and {b} is {g}."
        return Problem(f"What is the greatest common divisor of {a} and {b}?", reasoning, fmt(g))
    if difficulty == "medium":
        g, lcm = math.gcd(a, b), a * b // math.gcd(a, b)
        reasoning = f"lcm = {a} * {b} / gcd = {a * b} / {g} = {lcm}."
        return Problem(f"What is the least common multiple of {a} and {b}?", reasoning,
                       fmt(lcm))
    c = common * rng.randint(2, 12)
    g = math.gcd(math.gcd(a, b), c)
    reasoning = (f"gcd({a}, {b}) = {math.gcd(a, b)}, and gcd({math.gcd(a, b)}, {c}) = {g}.")
    return Problem(f"What is the greatest common divisor of {a}, {b} and {c}?", reasoning,
                   fmt(g))


def remainders(rng: random.Random, difficulty: Difficulty) -> Problem:
    high, divisor_high = {"easy": (99, 9), "medium": (999, 19), "hard": (99999, 97)}[difficulty]
    divisor = rng.randint(3, divisor_high)
    number = rng.randint(divisor + 1, high)
    quotient, remainder = divmod(number, divisor)
    reasoning = (f"{divisor} * {quotient} = {divisor * quotient}, and {number} - "
                 f"{divisor * quotient} = {remainder}.")
    return Problem(f"What is the remainder when {number} is divided by {divisor}?", reasoning,
                   fmt(remainder))


def _smallest_factor(n: int) -> int | None:
    for d in range(2, math.isqrt(n) + 1):
        if n % d == 0:
            return d
    return None


def primes(rng: random.Random, difficulty: Difficulty) -> Problem:
    high = {"easy": 50, "medium": 200, "hard": 1000}[difficulty]
    # Odd numbers only from medium on, so "even means composite" is not the whole trick.
    candidates = range(11, high, 1 if difficulty == "easy" else 2)
    n = rng.choice(candidates)
    factor = _smallest_factor(n)
    if factor is None:
        reasoning = f"No number from 2 to {math.isqrt(n)} divides {n}, so it is prime."
    else:
        reasoning = f"{n} = {factor} * {n // factor}, so it is not prime."
    return Problem(f"Is {n} a prime number?", reasoning, "yes" if factor is None else "no")


CATEGORIES: dict[str, Maker] = {
    "sequences": sequences,
    "gcd_lcm": gcd_lcm,
    "remainders": remainders,
    "primes": primes,
}
