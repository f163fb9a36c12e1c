"""A data set item as the trainer holds it (a row of the file, its training target resolved),
and the prompt every shipped item carries. What a row of a file may hold is evidence's
`DatasetRow` (the one row rule); the generator writes these items, the loader reads rows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from evidence import DatasetRow, DatasetSplit, response_text
from training.dataset.problem import Difficulty, Problem

INSTRUCTION = (
    "Solve the problem. Reply in the form "
    "<reasoning>your steps</reasoning><answer>the final answer only</answer>."
)


class ReasoningItem(BaseModel):
    """One item. `target` is a reference response in the graded format; training learns it, and
    the grader accepts it against `answer`. Every train item has one; an eval item of a user's
    file may have none (None), since evaluation never reads it."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: str
    section: str
    category: str
    difficulty: Difficulty
    split: DatasetSplit
    prompt: str
    target: str | None
    answer: str

    @classmethod
    def of_row(cls, row: DatasetRow) -> ReasoningItem:
        return cls(id=row.id, section=row.section, category=row.category,
                   difficulty=row.difficulty, split=row.split, prompt=row.prompt,
                   target=row.training_target, answer=row.answer)


def make_prompt(question: str) -> str:
    return f"{INSTRUCTION}\nProblem: {question}\n"


def make_target(problem: Problem) -> str:
    return response_text(problem.reasoning, problem.answer)
