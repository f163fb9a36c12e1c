"""A row of a data set file (JSONL, one object a line): the users' files given with `--dataset
PATH` and the trainer's shipped dev-reasoning-v2 alike.

This is the one home of the row rule. The trainer's loader and `evidence validate --dataset`
both read a file through `validation/checks/dataset.py`, which checks every line with this
model, so a file one accepts the other accepts, with the same defaults:
- `section` and `category` default to "unspecified", `difficulty` to "medium" (a prediction's
  difficulty must be easy, medium or hard, so an unrated item is counted as medium);
- a train row needs something to learn: `target` (a whole response in the graded format) or
  `reasoning` (built into one with `answer`, as the shipped generator builds its targets), not
  both; an empty reasoning would teach the model to skip it, so a train row with neither is
  refused. Eval rows need neither.
- Whatever is learnt must be what the grader accepts: a target (given or built) must be graded
  correct against the row's answer, and every answer must be one a response can be graded
  correct against (no <answer> tag inside it, say).
The rules of a whole file (ids unique, both splits non-empty, every bad row named by line) are
the reader's.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Literal

from pydantic import Field, field_validator, model_validator

from evidence.models.prediction import Difficulty
from evidence.models.types import Identifier, Name, StrictModel
from evidence.scoring.grader import grade

DatasetSplit = Literal["train", "eval"]
DEFAULT_SECTION = "unspecified"
DEFAULT_CATEGORY = "unspecified"
DEFAULT_DIFFICULTY: Difficulty = "medium"
# The name a data set file is known by in the run's DatasetRef: its stem, cut to an Identifier.
_NOT_IN_IDENTIFIER = re.compile(r"[^A-Za-z0-9._-]+")
FILE_DATASET_FALLBACK_NAME = "dataset"
FILE_VERSION_HEX = 12


def response_text(reasoning: str, answer: str) -> str:
    """A response in the graded format: what training learns from a reasoning and an answer."""
    return f"<reasoning>{reasoning}</reasoning><answer>{answer}</answer>"


def _not_blank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must not be empty or only white space")
    return value


class DatasetRow(StrictModel):
    """One item of a data set file."""

    id: Identifier = Field(description="The item's id: unique in the file; its prediction row "
                                       "names it as item_id.")
    prompt: str = Field(description="What the model is given, used as written: say in it that "
                                    "the reply is <reasoning>...</reasoning><answer>...</answer>.")
    answer: str = Field(description="The reference answer the grader compares a response's "
                                    "answer block with.")
    split: DatasetSplit = Field(description="train: the model learns the item; eval: the model "
                                            "is evaluated on it, one prediction row each.")
    section: Name = Field(default=DEFAULT_SECTION,
                          description="The item's section, for the scorecard's per_section "
                                      "(unspecified when absent).")
    category: Name = Field(default=DEFAULT_CATEGORY,
                           description="The item's category, for the scorecard's per_category "
                                       "(unspecified when absent).")
    difficulty: Difficulty = Field(default=DEFAULT_DIFFICULTY,
                                   description="easy, medium or hard, for the scorecard's "
                                               "per_difficulty (medium when absent).")
    target: str | None = Field(default=None,
                               description="A whole reference response in the graded format, "
                                           "which training learns; the grader must accept it "
                                           "as correct against answer.")
    reasoning: str | None = Field(default=None,
                                  description="Worked steps; without a target, training learns "
                                              "<reasoning>reasoning</reasoning><answer>answer"
                                              "</answer>.")

    _blank = field_validator("prompt", "answer", "target", "reasoning")(_not_blank)

    @field_validator("answer")
    @classmethod
    def _answer_can_be_matched(cls, answer: str) -> str:
        if not grade(response_text("-", answer), answer).correct:
            raise ValueError("no response can be graded correct against it (a <reasoning> or "
                             "<answer> tag inside it?)")
        return answer

    @model_validator(mode="after")
    def _learns_a_graded_response(self) -> DatasetRow:
        if self.target is not None and self.reasoning is not None:
            raise ValueError("target, reasoning: give one, not both (target is a whole "
                             "response; reasoning is made into one with answer)")
        if self.split == "train" and self.training_target is None:
            raise ValueError("target: a train row needs target (a whole response) or reasoning "
                             "(the steps before answer); training on no reasoning would teach "
                             "the model to skip it")
        learnt = self.training_target
        if learnt is not None:
            graded = grade(learnt, self.answer)
            if not graded.correct:
                raise ValueError(_not_graded_correct(self, graded.format_ok,
                                                     graded.extracted_answer))
        return self

    @property
    def training_target(self) -> str | None:
        """The response training learns: target, or one built from reasoning and answer."""
        if self.target is not None:
            return self.target
        return response_text(self.reasoning, self.answer) if self.reasoning is not None else None


def _not_graded_correct(row: DatasetRow, format_ok: bool, extracted: str | None) -> str:
    field = "target" if row.target is not None else "reasoning"
    if not format_ok:
        return (f"{field}: the response training would learn is not in the graded format "
                "<reasoning>...</reasoning><answer>...</answer> (one block of each, no tag "
                "inside either)")
    return (f"{field}: the response training would learn answers {extracted!r}, which the "
            f"grader does not accept as {row.answer!r}")


def file_dataset_name(path: PurePath) -> str:
    """The name a run gives a data set file (DatasetRef.name, an identifier): its stem, with
    what an identifier cannot hold replaced by '-'."""
    name = _NOT_IN_IDENTIFIER.sub("-", path.stem).lstrip("._-")[:128]
    return name or FILE_DATASET_FALLBACK_NAME


def file_dataset_version(sha256: str) -> str:
    """The version a run gives a data set file (DatasetRef.version): 'file-' and the first
    hex digits of its SHA-256, so two different files never share a version."""
    return f"file-{sha256[:FILE_VERSION_HEX]}"
