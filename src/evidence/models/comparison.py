"""comparison.json: a paired, per-item comparison of a candidate run against a baseline run.

`evidence compare` writes it; `evidence validate --comparison` holds a saved one to the two runs
again. Every item of the data set's eval split is in both runs, so each scope's four outcome
counts (both correct, both wrong, fixed, broken) say everything its accuracies and delta say.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

from evidence.models.dataset import DatasetRef
from evidence.models.manifest import Mode
from evidence.models.prediction import Difficulty
from evidence.models.types import Count, Identifier, Name, PositiveInt, Rate, Sha256, StrictModel

COMPARISON_FILE = "comparison.json"
COMPARISON_SCHEMA_VERSION: Final = "1.0"

# Rates and deltas are stored as floats; each must equal the ratio of its counts to this.
RATIO_TOLERANCE = 1e-9

Verdict = Literal["improved", "regressed", "no_significant_change"]
Delta = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Interval = Annotated[list[Delta], Field(min_length=2, max_length=2)]


def _ratio_is(value: float, numerator: int, denominator: int, what: str) -> None:
    expected = numerator / denominator if denominator else 0.0
    if abs(value - expected) > RATIO_TOLERANCE:
        raise ValueError(f"{what} is {value}, its counts give {expected}")


def _interval_is_ordered(ci95: list[float], what: str) -> None:
    if ci95[0] > ci95[1]:
        raise ValueError(f"{what} runs from {ci95[0]} down to {ci95[1]}; lower bound first")


class ComparedRun(StrictModel):
    """One side of the comparison, as it was when compared."""

    run_id: Identifier = Field(description="The run's id (its manifest's run_id).")
    mode: Mode = Field(description="The run's mode: smoke or full.")
    model_id: Name = Field(description="The model the run trained (its manifest's model.id).")
    predictions_sha256: Sha256 = Field(
        description="SHA-256 of the run's predictions.jsonl when compared: a saved comparison "
                    "holds only for these exact predictions.")


class FormatRateChange(StrictModel):
    """The same paired comparison for the answer format (format_ok) instead of correctness."""

    baseline_format_rate: Rate = Field(description="Share of rows with the answer format in the "
                                                    "baseline.")
    candidate_format_rate: Rate = Field(description="Share of rows with the answer format in "
                                                    "the candidate.")
    delta: Delta = Field(description="candidate_format_rate - baseline_format_rate.")
    ci95: Interval = Field(description="Paired bootstrap 95 % interval of delta: [lower, upper].")
    mcnemar_p: Probability = Field(description="Exact McNemar p of the format flips.")
    gained: Count = Field(description="Rows whose format was wrong in the baseline and right in "
                                      "the candidate.")
    lost: Count = Field(description="Rows whose format was right in the baseline and wrong in "
                                    "the candidate.")

    @model_validator(mode="after")
    def _interval_ordered(self) -> FormatRateChange:
        _interval_is_ordered(self.ci95, "format_rate ci95")
        return self


class ScopeComparison(StrictModel):
    """The paired comparison over one scope: every item, or the items of one section, category
    or difficulty."""

    n_items: PositiveInt = Field(description="Items in this scope (the same in both runs).")
    baseline_accuracy: Rate = Field(description="(both_correct + broken) / n_items.")
    candidate_accuracy: Rate = Field(description="(both_correct + fixed) / n_items.")
    delta: Delta = Field(description="candidate_accuracy - baseline_accuracy, which is "
                                     "(fixed - broken) / n_items.")
    ci95: Interval = Field(description="Paired bootstrap 95 % interval of delta, resampling the "
                                       "scope's items: [lower, upper].")
    mcnemar_p: Probability = Field(description="Exact McNemar test: the two-sided binomial test "
                                               "of fixed against broken at p = 1/2.")
    fixed: Count = Field(description="Items wrong in the baseline and right in the candidate.")
    broken: Count = Field(description="Items right in the baseline and wrong in the candidate.")
    both_correct: Count = Field(description="Items right in both runs.")
    both_wrong: Count = Field(description="Items wrong in both runs.")
    format_rate: FormatRateChange = Field(description="The same comparison for the answer "
                                                      "format.")

    @model_validator(mode="after")
    def _counts_agree(self) -> ScopeComparison:
        total = self.fixed + self.broken + self.both_correct + self.both_wrong
        if total != self.n_items:
            raise ValueError(f"the four outcomes sum to {total}, n_items is {self.n_items}")
        n = self.n_items
        _ratio_is(self.baseline_accuracy, self.both_correct + self.broken, n, "baseline_accuracy")
        _ratio_is(self.candidate_accuracy, self.both_correct + self.fixed, n,
                  "candidate_accuracy")
        _ratio_is(self.delta, self.fixed - self.broken, n, "delta")
        _interval_is_ordered(self.ci95, "ci95")
        return self


class BreakdownComparison(ScopeComparison):
    """One entry of a breakdown (a section, category or difficulty)."""

    p_holm: Probability = Field(description="mcnemar_p, Holm-corrected across the entries of "
                                            "this breakdown.")

    @model_validator(mode="after")
    def _holm_not_below_raw(self) -> BreakdownComparison:
        if self.p_holm < self.mcnemar_p:
            raise ValueError(f"p_holm {self.p_holm} is below mcnemar_p {self.mcnemar_p}; a "
                             "correction never lowers a p value")
        return self


class Flip(StrictModel):
    """An item whose grade changed between the runs, with both responses to read."""

    item_id: Identifier = Field(description="The item's id.")
    section: Name = Field(description="The item's section.")
    category: Name = Field(description="The item's category.")
    difficulty: Difficulty = Field(description="The item's difficulty.")
    reference_answer: str = Field(description="The data set's answer.")
    baseline_response: str = Field(description="The baseline's full response.")
    baseline_answer: str | None = Field(description="The baseline's extracted answer; null when "
                                                    "its format was wrong.")
    candidate_response: str = Field(description="The candidate's full response.")
    candidate_answer: str | None = Field(description="The candidate's extracted answer; null "
                                                     "when its format was wrong.")


class Flips(StrictModel):
    """Every item whose grade changed, sorted by item_id."""

    fixed: list[Flip] = Field(description="Wrong in the baseline, right in the candidate.")
    broken: list[Flip] = Field(description="Right in the baseline, wrong in the candidate.")


class ComparisonParameters(StrictModel):
    """What the comparison was asked for: with the two runs, they determine every number."""

    alpha: float = Field(gt=0.0, lt=1.0, allow_inf_nan=False,
                         description="Significance level of the verdict (--alpha).")
    min_delta: float | None = Field(
        ge=0.0, le=1.0, allow_inf_nan=False,
        description="An accuracy drop larger than this fails the gate even when it is not "
                    "significant (--min-delta); null when not given.")
    resamples: PositiveInt = Field(description="Bootstrap resamples per scope (--resamples).")
    seed: Count = Field(description="Seed of the bootstrap (--seed).")


class Comparison(StrictModel):
    """comparison.json: a candidate run compared item by item with a baseline run."""

    schema_version: Literal["1.0"] = Field(description="Version of this document's schema.")
    baseline: ComparedRun = Field(description="The run compared against.")
    candidate: ComparedRun = Field(description="The run being judged.")
    dataset: DatasetRef = Field(description="The data set both runs evaluated on.")
    parameters: ComparisonParameters = Field(description="The comparison's options.")
    verdict: Verdict = Field(
        description="improved or regressed when the overall mcnemar_p is below alpha (by the "
                    "sign of delta), else no_significant_change.")
    fails_gate: bool = Field(
        description="True when the verdict is regressed, or the overall accuracy drops by more "
                    "than min_delta: what --fail-on-regression exits 1 on.")
    summary: str = Field(description="One sentence that says what the numbers mean.")
    overall: ScopeComparison = Field(description="The comparison over every item.")
    per_section: dict[Name, BreakdownComparison] = Field(
        description="Section -> the comparison of its items.")
    per_category: dict[Name, BreakdownComparison] = Field(
        description="Category -> the comparison of its items.")
    per_difficulty: dict[Difficulty, BreakdownComparison] = Field(
        description="Difficulty -> the comparison of its items.")
    flips: Flips = Field(description="The items that changed grade, with both responses.")

    @model_validator(mode="after")
    def _parts_agree(self) -> Comparison:
        overall = self.overall
        if (len(self.flips.fixed), len(self.flips.broken)) != (overall.fixed, overall.broken):
            raise ValueError(f"flips lists {len(self.flips.fixed)} fixed and "
                             f"{len(self.flips.broken)} broken items, overall counts "
                             f"{overall.fixed} and {overall.broken}")
        for name in ("per_section", "per_category", "per_difficulty"):
            breakdown: dict[str, BreakdownComparison] = getattr(self, name)
            for field in ("n_items", "fixed", "broken", "both_correct", "both_wrong"):
                total = sum(getattr(entry, field) for entry in breakdown.values())
                if total != getattr(overall, field):
                    raise ValueError(f"{name} {field} sums to {total}, overall says "
                                     f"{getattr(overall, field)}")
        if overall.n_items != self.dataset.eval_items:
            raise ValueError(f"overall covers {overall.n_items} items, the data set's eval "
                             f"split has {self.dataset.eval_items}")
        expected = verdict_for(overall.delta, overall.mcnemar_p, self.parameters.alpha)
        if self.verdict != expected:
            raise ValueError(f"verdict {self.verdict!r} does not follow from the overall "
                             f"delta and mcnemar_p at alpha {self.parameters.alpha}: "
                             f"{expected!r}")
        if self.fails_gate != fails_gate(self.verdict, overall.delta, self.parameters.min_delta):
            raise ValueError("fails_gate does not follow from the verdict, the overall delta "
                             "and min_delta")
        return self


def verdict_for(delta: float, mcnemar_p: float, alpha: float) -> Verdict:
    """The one rule of the verdict: significant at alpha by the exact McNemar test, in the
    direction of the delta."""
    if mcnemar_p < alpha and delta > 0:
        return "improved"
    if mcnemar_p < alpha and delta < 0:
        return "regressed"
    return "no_significant_change"


def fails_gate(verdict: Verdict, delta: float, min_delta: float | None) -> bool:
    """The one rule of the regression gate (--fail-on-regression)."""
    return verdict == "regressed" or (min_delta is not None and -delta > min_delta)
