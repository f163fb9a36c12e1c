"""eval_summary.json: the scorecard, overall and broken down by section, category and difficulty."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, model_validator

from evidence.models.dataset import DatasetRef
from evidence.models.manifest import Mode
from evidence.models.prediction import Difficulty
from evidence.models.types import Count, Fillable, Identifier, Name, Rate, StrictModel

EVAL_SUMMARY_FILE = "eval_summary.json"
EVAL_SUMMARY_SCHEMA_VERSION: Final = "1.0"

# Rates are stored as floats; they must equal the ratio of their counts to this tolerance.
RATE_TOLERANCE = 1e-9


def rate(numerator: int, denominator: int) -> float:
    """The one definition of a rate: 0.0 over no items."""
    return numerator / denominator if denominator else 0.0


class Score(StrictModel):
    """Counts and rates over a set of predictions.jsonl rows."""

    n_items: Count = Field(description="Number of predictions.jsonl rows scored.")
    n_correct: Count = Field(description="Rows graded correct (correct: true); at most n_items.")
    n_format_ok: Count = Field(description="Rows whose response had the required answer format "
                                           "(format_ok: true); at most n_items.")
    accuracy: Rate = Field(description="n_correct / n_items (0 when n_items is 0), within 1e-9.")
    format_rate: Rate = Field(description="n_format_ok / n_items (0 when n_items is 0), "
                                          "within 1e-9.")

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
    """The run's result, recomputed from predictions.jsonl by the scoring function the trainer
    uses; each breakdown partitions the overall counts."""

    overall: Fillable[Score] = Field(description="The score over every row of predictions.jsonl.")
    per_section: Fillable[dict[Name, Score]] = Field(
        description="Section -> the score of its rows; one entry per section present.")
    per_category: Fillable[dict[Name, Score]] = Field(
        description="Category -> the score of its rows; one entry per category present.")
    per_difficulty: Fillable[dict[Difficulty, Score]] = Field(
        description="Difficulty (easy, medium, hard) -> the score of its rows; one entry per "
                    "difficulty present.")

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
    """eval_summary.json: the scorecard of a run's evaluation."""

    schema_version: Literal["1.0"] = Field(description="Version of this document's schema.")
    run_id: Fillable[Identifier] = Field(description="The run's id; equal to the manifest's.")
    mode: Fillable[Mode] = Field(description="smoke or full; equal to the manifest's.")
    dataset: Fillable[DatasetRef] = Field(
        description="The data set evaluated on; equal to the manifest's.")
    predictions_schema_version: Literal["1.0"] = Field(
        description="Schema version of the rows of predictions.jsonl."
    )
    scorecard: Scorecard = Field(description="The scorecard: overall and per section, category "
                                             "and difficulty.")
