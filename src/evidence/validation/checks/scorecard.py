"""The scorecard is what the one scoring function makes of predictions.jsonl, and the
predictions cover the eval split the manifest names."""

from __future__ import annotations

from evidence.findings import Code, Finding
from evidence.io.pointer import pointer
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, RATE_TOLERANCE, Score, Scorecard
from evidence.models.manifest import RunManifestBase
from evidence.models.prediction import PREDICTIONS_FILE


def check_row_count(manifest: RunManifestBase, rows: int) -> list[Finding]:
    """One prediction row per item of the eval split: a dropped or added row shows here."""
    if isinstance(manifest.dataset, str) or manifest.dataset.eval_items == rows:
        return []
    return [Finding(PREDICTIONS_FILE, Code.SCORECARD_MISMATCH,
                    f"{rows} rows, but the data set's eval split has "
                    f"{manifest.dataset.eval_items} items")]


def _score_differences(claimed: Score, actual: Score, at: tuple[str, ...]) -> list[Finding]:
    findings = []
    for name, claimed_value in claimed:
        actual_value = getattr(actual, name)
        same = abs(claimed_value - actual_value) <= RATE_TOLERANCE \
            if isinstance(claimed_value, float) else claimed_value == actual_value
        if not same:
            findings.append(Finding(
                EVAL_SUMMARY_FILE, Code.SCORECARD_MISMATCH,
                f"{name} is {claimed_value}, predictions.jsonl gives {actual_value}",
                pointer(*at, name)))
    return findings


def check_scorecard(claimed: Scorecard, actual: Scorecard) -> list[Finding]:
    """The scorecard must be what the one scoring function makes of predictions.jsonl."""
    findings: list[Finding] = []
    if isinstance(claimed.overall, Score) and isinstance(actual.overall, Score):
        findings += _score_differences(claimed.overall, actual.overall, ("scorecard", "overall"))
    for part in ("per_section", "per_category", "per_difficulty"):
        ours: dict[str, Score] | str = getattr(claimed, part)
        truth: dict[str, Score] = getattr(actual, part)
        if isinstance(ours, str):
            continue
        for key in sorted(ours.keys() | truth.keys()):
            at = ("scorecard", part, key)
            if key not in truth:
                findings.append(Finding(EVAL_SUMMARY_FILE, Code.SCORECARD_MISMATCH,
                                        f"no prediction has {part[4:]} {key!r}", pointer(*at)))
            elif key not in ours:
                findings.append(Finding(EVAL_SUMMARY_FILE, Code.SCORECARD_MISMATCH,
                                        f"{truth[key].n_items} predictions have {part[4:]} "
                                        f"{key!r}, the scorecard omits it", pointer(*at)))
            else:
                findings += _score_differences(ours[key], truth[key], at)
    return findings
