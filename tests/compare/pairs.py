"""Pairs of runs for the compare tests: the same items, each graded as the test asks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evidence.models.prediction import Prediction
from evidence.scoring.grader import grade
from runbuilder import build_run

SECTIONS = ("arithmetic", "algebra", "logic")
DIFFICULTIES = ("easy", "medium", "hard")


def item_labels(index: int) -> tuple[str, str, str]:
    section = SECTIONS[index % len(SECTIONS)]
    return section, f"{section}-{index % 2}", DIFFICULTIES[index // 3 % 3]


def predictions(outcomes: Sequence[tuple[bool, bool]], order: Sequence[int] | None = None,
                tag: str = "") -> list[Prediction]:
    """One row per (correct, format_ok) outcome, item i answering 'i' when correct; the rows
    in `order` (a permutation of the items) when given. `tag` varies the wording only. The
    grader counts no answer without the format as correct, so (True, False) is refused."""
    rows = []
    for index in order if order is not None else range(len(outcomes)):
        correct, format_ok = outcomes[index]
        if correct and not format_ok:
            raise ValueError("a correct answer has the format")
        answer = str(index) if correct else f"{index}9"
        response = (f"<reasoning>item {index}{tag}</reasoning><answer>{answer}</answer>"
                    if format_ok else f"item {index}{tag}: {answer}")
        graded = grade(response, str(index))
        section, category, difficulty = item_labels(index)
        rows.append(Prediction(item_id=f"item-{index:05d}", section=section, category=category,
                               difficulty=difficulty, response=response,
                               extracted_answer=graded.extracted_answer,
                               reference_answer=str(index), correct=graded.correct,
                               format_ok=graded.format_ok))
    return rows


def run_of(run_dir: Path, outcomes: Sequence[tuple[bool, bool]],
           order: Sequence[int] | None = None, tag: str = "") -> Path:
    return build_run(run_dir, predictions(outcomes, order, tag))
