"""`evidence compare`: validate both runs, pair their items, and build the comparison.

No comparison is made from evidence that does not hold: an invalid run (or an archive that does
not verify) is reported with its findings, and two runs that are not paired (another data set,
other items, changed references) are reported with the first differences.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from evidence.compare.build import CompareOptions, build_comparison
from evidence.compare.items import read_items
from evidence.compare.pairing import dataset_differences, pair_items
from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart, sha256_file
from evidence.models.comparison import ComparedRun, Comparison
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EVAL_SUMMARY_FILE
from evidence.models.manifest import MANIFEST_FILE, RunManifestBase
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.packaging.verify import OpenedRun, opened_run
from evidence.result import CommandResult, RunResult
from evidence.validation.documents import load_manifest

NAME = "compare"
# The subject that pairing and gate findings belong to (the two runs are the others).
COMPARISON_SUBJECT = "comparison"


@dataclass
class Side:
    """One run as compare reads it: where its files are, and how findings name them."""

    run_dir: Path
    label: str  # the path as given, or "ARCHIVE:RUN_ID" for an archive's run
    manifest: RunManifestBase

    def file(self, name: str) -> str:
        return f"{self.label}/{name}"


def _side(given: Path, opened: OpenedRun, role: str) -> tuple[Side | None, list[Finding]]:
    assert opened.run_dir is not None
    loaded = load_manifest(opened.run_dir, allow_template=True)
    manifest = loaded.model
    assert manifest is not None  # the run validated
    label = str(given) if opened.run_dir == given else f"{given}:{manifest.run_id}"
    unfilled = [at for at in loaded.placeholders
                if at.split("/")[1] in ("run_id", "mode", "model", "dataset")]
    if unfilled:
        return None, [Finding(f"{label}/{MANIFEST_FILE}", Code.TEMPLATE_UNFILLED,
                              f"the {role}'s {unfilled[0]} is still a placeholder; a run is "
                              "compared by its id, mode, model and data set", unfilled[0])]
    return Side(opened.run_dir, label, manifest), []


def _predictions_sha256(side: Side) -> str:
    """The digest validation held the file to, or (a template's artifacts unlisted) its own."""
    artifacts = side.manifest.artifacts
    if not isinstance(artifacts, str):
        for artifact in artifacts:
            if artifact.path == PREDICTIONS_FILE:
                return artifact.sha256
    return sha256_file(side.run_dir / PREDICTIONS_FILE)[0]


def _compared_run(side: Side) -> ComparedRun:
    manifest = side.manifest
    assert not isinstance(manifest.model, str)
    return ComparedRun(run_id=str(manifest.run_id), mode=manifest.mode,  # type: ignore[arg-type]
                       model_id=manifest.model.id, predictions_sha256=_predictions_sha256(side))


def _compare_sides(baseline: Side, candidate: Side,
                   options: CompareOptions) -> tuple[Comparison | None, list[Finding]]:
    ours, theirs = candidate.manifest.dataset, baseline.manifest.dataset
    assert isinstance(ours, DatasetRef) and isinstance(theirs, DatasetRef)
    findings = dataset_differences(theirs, ours, candidate.file(MANIFEST_FILE))
    if findings:
        return None, findings
    base_items = read_items(baseline.run_dir, baseline.file(PREDICTIONS_FILE))
    cand_items = read_items(candidate.run_dir, candidate.file(PREDICTIONS_FILE))
    pairing = pair_items(base_items, cand_items)
    if pairing.baseline_of is None:
        return None, pairing.findings
    comparison = build_comparison(base_items, cand_items, pairing.baseline_of,
                                  (_compared_run(baseline), _compared_run(candidate)), ours,
                                  options)
    return comparison, []


def gate_findings(comparison: Comparison, candidate_summary: str) -> list[Finding]:
    """The regression gate (--fail-on-regression) as a finding on the candidate's accuracy."""
    if not comparison.fails_gate:
        return []
    overall = comparison.overall
    low, high = overall.ci95
    why = ("significantly worse" if comparison.verdict == "regressed" else
           f"worse by more than --min-delta {comparison.parameters.min_delta}")
    return [Finding(candidate_summary, Code.COMPARISON_REGRESSION,
                    f"accuracy {overall.baseline_accuracy:.4f} -> "
                    f"{overall.candidate_accuracy:.4f} (delta {overall.delta:+.4f}, 95 % "
                    f"interval {low:+.4f} to {high:+.4f}, McNemar p {overall.mcnemar_p:.3g}): "
                    f"{why} than the baseline", "/scorecard/overall/accuracy")]


def compare_paths(baseline: Path, candidate: Path, options: CompareOptions | None = None,
                  progress: ProgressStart | None = None) -> CommandResult:
    """Compare CANDIDATE with BASELINE (each a run directory or a packaged archive).
    `result` is the comparison document as JSON, or empty when none could be made."""
    options = options or CompareOptions()
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(opened_run(path, allow_template=options.allow_template,
                                                 progress=progress))
                  for path in (baseline, candidate)]
        runs = [side.result for side in opened]
        errors = [f"{run.path}: {run.error}" for run in runs if run.error is not None]
        if errors:  # not a run at all: a usage error of the command as a whole
            return CommandResult(NAME, runs, error="; ".join(errors))
        if not all(run.valid and side.run_dir is not None for run, side in zip(
                runs, opened, strict=True)):
            return CommandResult(NAME, runs)
        subject = RunResult(COMPARISON_SUBJECT)
        sides = [_side(path, side, role) for path, side, role in zip(
            (baseline, candidate), opened, ("baseline", "candidate"), strict=True)]
        subject.findings = [finding for _, problems in sides for finding in problems]
        if subject.findings:
            return CommandResult(NAME, [*runs, subject])
        base_side, cand_side = (side for side, _ in sides)
        assert base_side is not None and cand_side is not None
        comparison, subject.findings = _compare_sides(base_side, cand_side, options)
        if comparison is None:
            return CommandResult(NAME, [*runs, subject])
        if options.fail_on_regression:
            subject.findings = gate_findings(comparison, cand_side.file(EVAL_SUMMARY_FILE))
        return CommandResult(NAME, [*runs, subject],
                             result=comparison.model_dump(mode="json"))
