"""A row of predictions.jsonl: one evaluated item, its response, and how it was graded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evidence.models.types import Identifier, Name, StrictModel

PREDICTIONS_FILE = "predictions.jsonl"
PREDICTION_SCHEMA_VERSION = "1.0"

Difficulty = Literal["easy", "medium", "hard"]


class Prediction(StrictModel):
    item_id: Identifier
    section: Name
    category: Name
    difficulty: Difficulty
    response: str = Field(description="The model's full response text.")
    extracted_answer: str | None = Field(description="What the grader extracted; null if none.")
    reference_answer: str
    correct: bool
    format_ok: bool = Field(description="True when the response had the required answer format.")
