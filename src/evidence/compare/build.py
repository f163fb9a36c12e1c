"""The comparison document of two paired runs: per scope, the four outcomes and their figures.

Each item has one of 16 joint outcomes (correct in the baseline? in the candidate? format ok in
each?). The items are tallied once, by labels and outcome; every scope's figures come from its
16 counts, so no step after the tally looks at an item again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from evidence.compare.items import RunItems, rows_at
from evidence.compare.stats import holm, mcnemar_exact, paired_bootstrap_ci
from evidence.compare.summary import summary_sentence
from evidence.models.comparison import (
    COMPARISON_SCHEMA_VERSION,
    ComparedRun,
    Comparison,
    ComparisonParameters,
    fails_gate,
    verdict_for,
)
from evidence.models.dataset import DatasetRef

# A joint outcome: bit 1 the baseline is correct, bit 0 the candidate; bits 3 and 2 the same
# for the format. Within each pair of bits: 0 both wrong, 1 fixed, 2 broken, 3 both right.
BOTH_WRONG, FIXED, BROKEN, BOTH_RIGHT = range(4)
BREAKDOWNS = ("per_section", "per_category", "per_difficulty")


@dataclass(frozen=True)
class CompareOptions:
    """What `evidence compare` is asked for (its flags)."""

    alpha: float = 0.05
    min_delta: float | None = None
    resamples: int = 10_000
    seed: int = 0
    fail_on_regression: bool = False
    allow_template: bool = False

    def parameters(self) -> ComparisonParameters:
        return ComparisonParameters(alpha=self.alpha, min_delta=self.min_delta,
                                    resamples=self.resamples, seed=self.seed)


def _tally(baseline: RunItems, candidate: RunItems,
           baseline_of: list[int]) -> Counter[tuple[tuple[str, str, str], int]]:
    """(labels, joint outcome) -> items."""
    bc, bf, cc, cf = baseline.correct, baseline.format_ok, candidate.correct, candidate.format_ok
    return Counter(zip(candidate.labels,
                       (bc[i] << 1 | cc[j] | bf[i] << 3 | cf[j] << 2
                        for j, i in enumerate(baseline_of)), strict=True))


def _scopes(tally: Counter[tuple[tuple[str, str, str], int]]) -> dict[str, dict[str, list[int]]]:
    """Breakdown -> entry -> its 16 joint-outcome counts ("overall" has one entry, "")."""
    scopes: dict[str, dict[str, list[int]]] = {"overall": {}, **{name: {} for name in BREAKDOWNS}}
    for (labels, outcome), count in tally.items():
        for breakdown, key in zip(("overall", *BREAKDOWNS), ("", *labels), strict=True):
            scopes[breakdown].setdefault(key, [0] * 16)[outcome] += count
    return scopes


def _marginal(counts: list[int], shift: int) -> list[int]:
    """The four outcomes of one pair of bits (0: correctness, 2: format)."""
    four = [0] * 4
    for outcome, count in enumerate(counts):
        four[outcome >> shift & 3] += count
    return four


def _scope(counts: list[int], stream: str, options: CompareOptions) -> dict[str, Any]:
    correct, fmt = _marginal(counts, 0), _marginal(counts, 2)
    n = sum(counts)
    fixed, broken, gained, lost = correct[FIXED], correct[BROKEN], fmt[FIXED], fmt[BROKEN]

    def interval(up: int, down: int, name: str) -> list[float]:
        return list(paired_bootstrap_ci(up, down, n, resamples=options.resamples,
                                        seed=options.seed, stream=name))

    return {
        "n_items": n,
        "baseline_accuracy": (correct[BOTH_RIGHT] + broken) / n,
        "candidate_accuracy": (correct[BOTH_RIGHT] + fixed) / n,
        "delta": (fixed - broken) / n,
        "ci95": interval(fixed, broken, stream),
        "mcnemar_p": mcnemar_exact(fixed, broken),
        "fixed": fixed, "broken": broken,
        "both_correct": correct[BOTH_RIGHT], "both_wrong": correct[BOTH_WRONG],
        "format_rate": {
            "baseline_format_rate": (fmt[BOTH_RIGHT] + lost) / n,
            "candidate_format_rate": (fmt[BOTH_RIGHT] + gained) / n,
            "delta": (gained - lost) / n,
            "ci95": interval(gained, lost, f"format/{stream}"),
            "mcnemar_p": mcnemar_exact(gained, lost),
            "gained": gained, "lost": lost,
        },
    }


def _breakdown(name: str, entries: dict[str, list[int]],
               options: CompareOptions) -> dict[str, dict[str, Any]]:
    scopes = {key: _scope(entries[key], f"{name}/{key}", options) for key in sorted(entries)}
    adjusted = holm([scope["mcnemar_p"] for scope in scopes.values()])
    for scope, p_holm in zip(scopes.values(), adjusted, strict=True):
        scope["p_holm"] = max(p_holm, scope["mcnemar_p"])  # Holm never lowers a p value
    return scopes


def _flip(item: int, candidate: RunItems, rows: dict[str, Any],
          baseline_row: dict[str, Any]) -> dict[str, Any]:
    section, category, difficulty = candidate.labels[item]
    return {"item_id": candidate.ids[item], "section": section, "category": category,
            "difficulty": difficulty, "reference_answer": rows["reference_answer"],
            "baseline_response": baseline_row["response"],
            "baseline_answer": baseline_row["extracted_answer"],
            "candidate_response": rows["response"],
            "candidate_answer": rows["extracted_answer"]}


def _flips(baseline: RunItems, candidate: RunItems,
           baseline_of: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Every item that changed grade, with both responses (read again by line number)."""
    changed = [j for j, i in enumerate(baseline_of)
               if baseline.correct[i] != candidate.correct[j]]
    ours = rows_at(candidate.path, {candidate.lines[j] for j in changed})
    theirs = rows_at(baseline.path, {baseline.lines[baseline_of[j]] for j in changed})
    flips: dict[str, list[dict[str, Any]]] = {"fixed": [], "broken": []}
    for j in sorted(changed, key=candidate.ids.__getitem__):
        kind = "fixed" if candidate.correct[j] else "broken"
        flips[kind].append(_flip(j, candidate, ours[candidate.lines[j]],
                                 theirs[baseline.lines[baseline_of[j]]]))
    return flips


def build_comparison(baseline: RunItems, candidate: RunItems, baseline_of: list[int],
                     runs: tuple[ComparedRun, ComparedRun], dataset: DatasetRef,
                     options: CompareOptions) -> Comparison:
    """The comparison document of two paired runs (`baseline_of` from pair_items)."""
    scopes = _scopes(_tally(baseline, candidate, baseline_of))
    overall = _scope(scopes["overall"][""], "overall", options)
    verdict = verdict_for(overall["delta"], overall["mcnemar_p"], options.alpha)
    document: dict[str, Any] = {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "baseline": runs[0], "candidate": runs[1], "dataset": dataset,
        "parameters": options.parameters(), "verdict": verdict,
        "fails_gate": fails_gate(verdict, overall["delta"], options.min_delta),
        "summary": summary_sentence(overall, verdict, options.alpha),
        "overall": overall,
        **{name: _breakdown(name, scopes[name], options) for name in BREAKDOWNS},
        "flips": _flips(baseline, candidate, baseline_of),
    }
    return Comparison.model_validate(document)

