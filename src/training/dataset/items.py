"""A data set item as stored, one JSON object per line, and the prompt every item carries."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from training.dataset.problem import Difficulty, Problem

Split = Literal["train", "eval"]

INSTRUCTION = (
    "Solve the problem. Reply in the form "
    "<reasoning>your steps</reasoning><answer>the final answer only</answer>."
)


class ReasoningItem(BaseModel):
    """One stored item. `target` is a reference response in the graded format; training learns
    it, and the grader must accept it against `answer`."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: str
    section: str
    category: str
    difficulty: Difficulty
    split: Split
    prompt: str
    target: str
    answer: str


def make_prompt(question: str) -> str:
    return f"{INSTRUCTION}\nProblem: {question}\n"


def make_target(problem: Problem) -> str:
    return f"<reasoning>{problem.reasoning}</reasoning><answer>{problem.answer}</answer>"
