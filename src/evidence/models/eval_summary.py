"""eval_summary.json: the scorecard, overall and broken down by section, category and difficulty."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from evidence.models.dataset import DatasetRef
from evidence.models.manifest import Mode
from evidence.models.prediction import Difficulty
from evidence.models.types import Count, Fillable, Identifier, Name, Rate, StrictModel

EVAL_SUMMARY_FILE = "eval_summary.json"
EVAL_SUMMARY_SCHEMA_VERSION = "1.0"

# Rates are stored as floats; they must equal the ratio of their counts to this tolerance.
RATE_TOLERANCE = 1e-9


def rate(numerator: int, denominator: int) -> float:
    """The one definition of a rate: 0.0 over no items."""
    return numerator / denominator if denominator else 0.0


class Score(StrictModel):
    n_items: Count
    n_correct: Count
    n_format_ok: Count
    accuracy: Rate = Field(description="n_correct / n_items (0 when n_items is 0).")
    format_rate: Rate = Field(description="n_format_ok / n_items (0 when n_items is 0).")

    @model_validator(mode="after")
    def _counts_and_rates_agree(self) -> Score:
        if self.n_correct > self.n_items or self.n_format_ok > self.n_items:
            raise ValueError("n_correct and n_format_ok cannot exceed n_items")
        if abs(self.accuracy - rate(self.n_correct, self.n_items)) > RATE_TOLERANCE:
            raise ValueError("accuracy is not n_correct / n_items")
        if abs(self.format_rate - rate(self.n_format_ok, self.n_items)) > RATE_TOLERANCE:
            raise ValueError("format_rate is not n_format_ok / n_items")
        return self


class Scorecard(StrictModel):
    overall: Fillable[Score]
    per_section: Fillable[dict[Name, Score]]
    per_category: Fillable[dict[Name, Score]]
    per_difficulty: Fillable[dict[Difficulty, Score]]

    @model_validator(mode="after")
    def _breakdowns_partition_overall(self) -> Scorecard:
        if not isinstance(self.overall, Score):
            return self
        breakdowns = {
            "per_section": self.per_section,
            "per_category": self.per_category,
            "per_difficulty": self.per_difficulty,
        }
        for name, breakdown in breakdowns.items():
            if isinstance(breakdown, str):
                continue
            for field in ("n_items", "n_correct", "n_format_ok"):
                total = sum(getattr(score, field) for score in breakdown.values())
                if total != getattr(self.overall, field):
                    raise ValueError(f"{name} {field} sums to {total}, overall says "
                                     f"{getattr(self.overall, field)}")
        return self


class EvalSummary(StrictModel):
    schema_version: Literal["1.0"]
    run_id: Fillable[Identifier]
    mode: Fillable[Mode]
    dataset: Fillable[DatasetRef]
    predictions_schema_version: Literal["1.0"] = Field(
        description="Schema version of the rows of predictions.jsonl."
    )
    scorecard: Scorecard
