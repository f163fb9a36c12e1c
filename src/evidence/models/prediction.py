"""A row of predictions.jsonl: one evaluated item, its response, and how it was graded."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from evidence.models.types import Identifier, Name, StrictModel

PREDICTIONS_FILE = "predictions.jsonl"
PREDICTION_SCHEMA_VERSION: Final = "1.0"

Difficulty = Literal["easy", "medium", "hard"]


class Prediction(StrictModel):
    """One evaluated item: the model's response and how the one grader graded it."""

    item_id: Identifier = Field(description="The item's id in the data set; unique in "
                                            "predictions.jsonl.")
    section: Name = Field(description="The item's section in the data set.")
    category: Name = Field(description="The item's category in the data set.")
    difficulty: Difficulty = Field(description="The item's difficulty in the data set: easy, "
                                               "medium or hard.")
    response: str = Field(description="The model's full response text, as generated (greedy).")
    extracted_answer: str | None = Field(
        description="The text of the response's answer block, as the grader extracted it; null "
                    "when the response does not have the required format.")
    reference_answer: str = Field(description="The data set's answer to the item.")
    correct: bool = Field(description="True when the extracted answer equals the reference "
                                      "answer, as the grader compares them.")
    format_ok: bool = Field(description="True when the response had the required answer format "
                                        "(<reasoning>...</reasoning><answer>...</answer>).")
