"""Logic: boolean expressions, orderings, syllogisms, conditionals.

Answers are single lowercase words: yes, no, unknown, or a name.
"""

from __future__ import annotations

import random

from training.dataset.problem import Difficulty, Maker, Problem, pick_names


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _literal(rng: random.Random, name: str, values: dict[str, bool]) -> tuple[str, bool]:
    if rng.random() < 0.3:
        return f"not {name}", not values[name]
    return name, values[name]


def _combine(rng: random.Random, left: tuple[str, bool], right: tuple[str, bool],
             steps: list[str]) -> tuple[str, bool]:
    op = rng.choice(("and", "or"))
    value = (left[1] and right[1]) if op == "and" else (left[1] or right[1])
    text = f"{left[0]} {op} {right[0]}"
    steps.append(f"{text} is {_word(value)}.")
    return f"({text})", value


def _word(value: bool) -> str:
    return "true" if value else "false"


def boolean(rng: random.Random, difficulty: Difficulty) -> Problem:
    names = ("P", "Q", "R", "S")[: {"easy": 2, "medium": 3, "hard": 4}[difficulty]]
    values = {name: rng.random() < 0.5 for name in names}
    given = ", ".join(f"{n} is {_word(v)}" for n, v in values.items())
    steps: list[str] = []
    literals = [_literal(rng, name, values) for name in names]
    if difficulty == "hard":
        left = _combine(rng, literals[0], literals[1], steps)
        right = _combine(rng, literals[2], literals[3], steps)
        expression = _combine(rng, left, right, steps)
    else:
        expression = literals[0]
        for literal in literals[1:]:
            expression = _combine(rng, expression, literal, steps)
    text = expression[0][1:-1]
    question = f"Suppose {given}. Is '{text}' true?"
    return Problem(question, " ".join(steps), _yes_no(expression[1]))


def ordering(rng: random.Random, difficulty: Difficulty) -> Problem:
    count = {"easy": 3, "medium": 4, "hard": 5}[difficulty]
    people = pick_names(rng, count)  # people[0] is the tallest
    facts = [f"{people[i]} is taller than {people[i + 1]}." for i in range(count - 1)]
    rng.shuffle(facts)
    ask_tallest = rng.random() < 0.5
    answer = people[0] if ask_tallest else people[-1]
    chain = " > ".join(people)
    reasoning = f"Chaining the facts gives the order from tallest: {chain}."
    question = " ".join(facts) + f" Who is the {'tallest' if ask_tallest else 'shortest'}?"
    return Problem(question, reasoning, answer.lower())


_NONSENSE = ("blips", "dorps", "glims", "frobs", "zints", "wugs", "quels", "tarns", "vexes",
             "mirks")


def syllogism(rng: random.Random, difficulty: Difficulty) -> Problem:
    length = {"easy": 2, "medium": 3, "hard": 4}[difficulty]
    kinds = rng.sample(_NONSENSE, length + 1)
    premises = [f"All {kinds[i]} are {kinds[i + 1]}." for i in range(length)]
    follows = rng.random() < 0.5
    if follows:
        first, last = kinds[0], kinds[-1]
        reasoning = ("The premises chain: " + " are ".join(kinds)
                     + f", so all {first} are {last}.")
    else:
        # The converse of a chain does not follow from it.
        first, last = kinds[-1], kinds[0]
        reasoning = (f"The premises only say that all {kinds[0]} are {kinds[-1]}; "
                     f"they say nothing about whether all {first} are {last}.")
    rng.shuffle(premises)
    question = " ".join(premises) + f" Does it follow that all {first} are {last}?"
    return Problem(question, reasoning, _yes_no(follows))


# (cause, effect, cause denied, effect denied)
_RULES = (
    ("it rains", "the ground is wet", "it does not rain", "the ground is not wet"),
    ("the alarm rings", "Sam wakes up", "the alarm does not ring", "Sam does not wake up"),
    ("the light is green", "the cars move", "the light is not green", "the cars do not move"),
    ("the oven is on", "the kitchen is warm", "the oven is off", "the kitchen is not warm"),
    ("the shop is open", "the door is unlocked", "the shop is closed", "the door is locked"),
    ("Mia studies", "Mia passes the test", "Mia does not study", "Mia does not pass the test"),
    ("the pump runs", "the tank fills", "the pump does not run", "the tank does not fill"),
    ("the bell rings", "the class starts", "the bell does not ring", "the class does not start"),
    ("the fan is on", "the room is cool", "the fan is off", "the room is not cool"),
    ("the river floods", "the road closes", "the river does not flood", "the road stays open"),
    ("Leo trains", "Leo wins the race", "Leo does not train", "Leo does not win the race"),
    ("the switch is up", "the lamp glows", "the switch is down", "the lamp does not glow"),
    ("the snow melts", "the lake rises", "the snow does not melt", "the lake does not rise"),
    ("the battery is full", "the robot moves", "the battery is empty", "the robot does not move"),
)


def conditionals(rng: random.Random, difficulty: Difficulty) -> Problem:
    cause, effect, not_cause, not_effect = rng.choice(_RULES)
    rule = f"If {cause}, then {effect}."
    if difficulty == "easy":  # modus ponens, asked the right way round or the wrong one
        reasoning = f"The rule applies directly: {cause}, so {effect}."
        if rng.random() < 0.5:
            return Problem(f"{rule} We know that {cause}. Is it true that {effect}?",
                           reasoning, "yes")
        return Problem(f"{rule} We know that {cause}. Is it true that {not_effect}?",
                       reasoning, "no")
    if difficulty == "medium":  # modus tollens
        question = f"{rule} We know that {not_effect}. Is it true that {cause}?"
        reasoning = (f"If {cause} were true, then {effect} would hold. It does not, so "
                     f"{not_cause}.")
        return Problem(question, reasoning, "no")
    # Affirming the consequent or denying the antecedent: nothing follows.
    if rng.random() < 0.5:
        question = (f"{rule} We know that {effect}. Is it true that {cause}? "
                    "Answer yes, no or unknown.")
        reasoning = (f"The rule does not say that {effect} only when {cause}; "
                     "it cannot be decided.")
    else:
        question = (f"{rule} We know that {not_cause}. Is it true that {effect}? "
                    "Answer yes, no or unknown.")
        reasoning = (f"The rule says nothing about what happens when {not_cause}; "
                     "it cannot be decided.")
    return Problem(question, reasoning, "unknown")


CATEGORIES: dict[str, Maker] = {
    "boolean": boolean,
    "ordering": ordering,
    "syllogism": syllogism,
    "conditionals": conditionals,
}
