"""The regression gate of the pre-commit hook (`evidence hook --baseline ARCHIVE`).

Each run the commit touches that has the baseline's mode is compared with the baseline, with
--fail-on-regression: a run that is worse, or is not paired with the baseline (another data set,
other items), fails the commit. A comparison across modes means nothing (a smoke run evaluates
a tiny model), so runs of the other mode are only validated.
"""

from __future__ import annotations

from pathlib import Path

from evidence.compare.build import CompareOptions
from evidence.compare.run import compare_paths
from evidence.packaging.lock import named_manifest
from evidence.packaging.verify import opened_run
from evidence.result import RunResult


def _mode(run_dir: Path) -> str | None:
    manifest = named_manifest(run_dir)
    return None if manifest is None else str(manifest.mode)


def gate_runs(baseline: Path, runs: list[RunResult]) -> list[RunResult]:
    """One subject per valid run of the baseline's mode: its comparison's findings (none when
    it passes). The baseline itself is a subject when it does not verify."""
    with opened_run(baseline) as opened:
        if not opened.result.valid or opened.run_dir is None:
            return [opened.result]
        mode = _mode(opened.run_dir)
    gated = []
    options = CompareOptions(fail_on_regression=True)
    for run in runs:
        if not run.valid or _mode(Path(run.path)) != mode:
            continue
        outcome = compare_paths(baseline, Path(run.path), options)
        findings = [finding for subject in outcome.runs for finding in subject.findings]
        gated.append(RunResult(f"{run.path} against {baseline}", findings))
    return gated
