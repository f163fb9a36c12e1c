"""Word problems: shopping, rates, ages, percentages."""

from __future__ import annotations

import random
from fractions import Fraction

from training.dataset.problem import Difficulty, Maker, Problem, fmt, pick_names

_ITEMS = ("pens", "notebooks", "apples", "tickets", "stamps", "candles", "mugs", "books")


def shopping(rng: random.Random, difficulty: Difficulty) -> Problem:
    name = pick_names(rng, 1)[0]
    first, second = rng.sample(_ITEMS, 2)
    n1, p1 = rng.randint(2, 9), rng.randint(2, 15)
    if difficulty == "easy":
        total = n1 * p1
        reasoning = f"{n1} * {p1} = {total}."
        question = f"{name} buys {n1} {first} at {p1} dollars each. How many dollars is that?"
        return Problem(question, reasoning, fmt(total))
    n2, p2 = rng.randint(2, 9), rng.randint(2, 15)
    cost = n1 * p1 + n2 * p2
    if difficulty == "medium":
        reasoning = f"{n1} * {p1} = {n1 * p1} and {n2} * {p2} = {n2 * p2}; together {cost}."
        question = (f"{name} buys {n1} {first} at {p1} dollars each and {n2} {second} at {p2} "
                    "dollars each. How many dollars does it cost in all?")
        return Problem(question, reasoning, fmt(cost))
    paid = (cost // 50 + 1) * 50
    change = paid - cost
    reasoning = (f"{n1} * {p1} = {n1 * p1} and {n2} * {p2} = {n2 * p2}, so the cost is {cost}. "
                 f"The change is {paid} - {cost} = {change}.")
    question = (f"{name} buys {n1} {first} at {p1} dollars each and {n2} {second} at {p2} "
                f"dollars each, and pays with {paid} dollars. How many dollars of change "
                "are due?")
    return Problem(question, reasoning, fmt(change))


def rates(rng: random.Random, difficulty: Difficulty) -> Problem:
    if difficulty == "easy":
        speed, hours = rng.randint(3, 12) * 10, rng.randint(2, 6)
        distance = speed * hours
        question = (f"A car drives at {speed} km per hour for {hours} hours. How many km does "
                    "it go?")
        return Problem(question, f"Distance is speed times time: {speed} * {hours} = {distance}.",
                       fmt(distance))
    if difficulty == "medium":
        speed, hours = rng.randint(3, 12) * 10, rng.randint(2, 8)
        distance = speed * hours
        question = (f"A train covers {distance} km in {hours} hours at a steady speed. What is "
                    "its speed in km per hour?")
        return Problem(question, f"Speed is distance over time: {distance} / {hours} = {speed}.",
                       fmt(speed))
    rate_a, rate_b = rng.randint(2, 9), rng.randint(2, 9)
    hours = rng.randint(2, 6)
    total = (rate_a + rate_b) * hours
    question = (f"One pipe fills {rate_a} litres per minute and another {rate_b} litres per "
                f"minute. Together, how many minutes do they take to fill a {total}-litre "
                "tank?")
    reasoning = (f"Together they fill {rate_a} + {rate_b} = {rate_a + rate_b} litres per minute, "
                 f"so {total} / {rate_a + rate_b} = {hours} minutes.")
    return Problem(question, reasoning, fmt(hours))


def ages(rng: random.Random, difficulty: Difficulty) -> Problem:
    child, parent = pick_names(rng, 2)
    age = rng.randint(3, 15)
    if difficulty == "easy":
        gap = rng.randint(20, 35)
        question = (f"{parent} is {gap} years older than {child}, who is {age}. How old is "
                    f"{parent}?")
        return Problem(question, f"{age} + {gap} = {age + gap}.", fmt(age + gap))
    factor = rng.randint(2, 5)
    if difficulty == "medium":
        years = rng.randint(2, 10)
        question = (f"{parent} is {factor} times as old as {child}, who is {age}. How old will "
                    f"{parent} be in {years} years?")
        reasoning = (f"{parent} is {factor} * {age} = {factor * age}; in {years} years, "
                     f"{factor * age + years}.")
        return Problem(question, reasoning, fmt(factor * age + years))
    years = rng.randint(2, 12)
    later = factor * age + years
    question = (f"{parent} is {factor} times as old as {child} now. In {years} years, "
                f"{parent} will be {later}. How old is {child} now?")
    reasoning = (f"Now {parent} is {later} - {years} = {later - years}, so {child} is "
                 f"{later - years} / {factor} = {age}.")
    return Problem(question, reasoning, fmt(age))


def percentages(rng: random.Random, difficulty: Difficulty) -> Problem:
    percent = rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 75))
    # A multiple of 20 times a multiple of 5 is a multiple of 100: the part is whole.
    base = rng.randint(2, 40) * 20
    part = base * percent // 100
    if difficulty == "easy":
        question = f"What is {percent}% of {base}?"
        return Problem(question, f"{percent}/100 * {base} = {part}.", fmt(part))
    if difficulty == "medium":
        question = (f"A coat costs {base} dollars and is {percent}% off. What is the sale "
                    "price in dollars?")
        reasoning = (f"The discount is {percent}% of {base} = {part}, so {base} - {part} "
                     f"= {base - part}.")
        return Problem(question, reasoning, fmt(base - part))
    raise_by = rng.choice((10, 20, 25, 50))
    sale = base - part
    final = Fraction(sale * (100 + raise_by), 100)
    question = (f"A coat costs {base} dollars. It is marked down {percent}%, and the sale "
                f"price is then raised {raise_by}%. What is the final price in dollars?")
    reasoning = (f"After the markdown: {base} - {part} = {sale}. Raising that by {raise_by}% "
                 f"gives {sale} * {100 + raise_by}/100 = {fmt(final)}.")
    return Problem(question, reasoning, fmt(final))


CATEGORIES: dict[str, Maker] = {
    "shopping": shopping,
    "rates": rates,
    "ages": ages,
    "percentages": percentages,
}
