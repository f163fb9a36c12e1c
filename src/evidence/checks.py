"""The run-level checks: every rule that spans more than one document lives here."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence.findings import Code, Finding, pointer
from evidence.hashing import Progress, sha256_file
from evidence.logs import LogError, scan_evidence
from evidence.models.artifact import ArtifactRef
from evidence.models.eval_summary import (
    EVAL_SUMMARY_FILE,
    RATE_TOLERANCE,
    EvalSummary,
    Score,
    Scorecard,
)
from evidence.models.manifest import MANIFEST_FILE, ConfigRef, DeviceInfo, RunManifest
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.models.types import is_placeholder

LOG_FILE = "kaggle_output_log.txt"

# Given a file's name and size, returns the callback that advances its progress display.
ProgressStart = Callable[[str, int], Progress]


def _both_real(a: object, b: object) -> bool:
    return not is_placeholder(a) and not is_placeholder(b)


def check_identity(manifest: RunManifest, summary: EvalSummary) -> list[Finding]:
    """Run id, data set and mode must be the same in both documents."""
    findings = []
    pairs = ((Code.RUN_ID_MISMATCH, "run_id"), (Code.DATASET_MISMATCH, "dataset"),
             (Code.MODE_MISMATCH, "mode"))
    for code, name in pairs:
        ours, theirs = getattr(summary, name), getattr(manifest, name)
        if _both_real(ours, theirs) and ours != theirs:
            findings.append(Finding(EVAL_SUMMARY_FILE, code,
                                    f"{name} differs from {MANIFEST_FILE}", f"/{name}"))
    return findings


def check_row_count(manifest: RunManifest, rows: int) -> list[Finding]:
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


def _inside(run_dir: Path, path: Path) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(run_dir) + os.sep)


def _check_artifact(run_dir: Path, index: int, artifact: ArtifactRef,
                    progress: ProgressStart | None) -> list[Finding]:
    at = pointer("artifacts", index)
    path = run_dir / artifact.path
    if not path.exists() and not path.is_symlink():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_MISSING,
                        f"{artifact.path} is listed but missing", at)]
    if not _inside(run_dir, path):
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_OUTSIDE_RUN,
                        f"{artifact.path} leads outside the run directory (a symlink?)", at)]
    if not path.is_file():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_NOT_REGULAR,
                        f"{artifact.path} is not a regular file", at)]
    size = path.stat().st_size
    if size != artifact.size_bytes:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_SIZE_MISMATCH,
                        f"{artifact.path} is {size} bytes, the manifest says "
                        f"{artifact.size_bytes}", at + "/size_bytes")]
    digest, _ = sha256_file(path, progress(artifact.path, size) if progress else None)
    if digest != artifact.sha256:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_DIGEST_MISMATCH,
                        f"{artifact.path} changed after the run: its SHA-256 is {digest}",
                        at + "/sha256")]
    return []


def _run_files(run_dir: Path) -> set[str]:
    found = set()
    for root, dirs, files in os.walk(run_dir):
        dirs.sort()
        for name in files:
            found.add((Path(root) / name).relative_to(run_dir).as_posix())
    return found


def check_artifacts(run_dir: Path, artifacts: list[ArtifactRef],
                    progress: ProgressStart | None = None) -> list[Finding]:
    """Every listed artifact exists inside the run with its digest and size; nothing unlisted."""
    findings = []
    for index, artifact in enumerate(artifacts):
        findings += _check_artifact(run_dir, index, artifact, progress)
    listed = {artifact.path for artifact in artifacts} | {MANIFEST_FILE}
    for extra in sorted(_run_files(run_dir) - listed):
        findings.append(Finding(extra, Code.ARTIFACT_UNLISTED,
                                f"{extra} is in the run directory but not in the manifest's "
                                "artifacts; list it (with its digest) or remove it"))
    return findings


def _stated_in_log(log: Path) -> tuple[dict[str, Any], list[Finding]]:
    stated: dict[str, Any] = {}
    try:
        for line in scan_evidence(log):  # any log form: Kaggle's JSON, plain text, a notebook
            if line.evidence.doc == "run_manifest":
                stated[line.evidence.pointer] = line.evidence.value
    except LogError as error:
        return stated, [Finding(LOG_FILE, Code.KAGGLE_LOG_MISMATCH, error.message,
                                line=error.line)]
    return stated, []


def check_log_agreement(run_dir: Path, manifest: RunManifest) -> list[Finding]:
    """Where the console log states a manifest field (run id, Kaggle fields), they agree."""
    log = run_dir / LOG_FILE
    if not log.is_file():
        return []
    stated, findings = _stated_in_log(log)
    recorded: dict[str, Any] = {"/run_id": manifest.run_id}
    recorded.update({f"/kaggle/{key}": value for key, value in manifest.kaggle})
    for at, value in recorded.items():
        if at in stated and _both_real(value, stated[at]) and stated[at] != value:
            findings.append(Finding(MANIFEST_FILE, Code.KAGGLE_LOG_MISMATCH,
                                    f"the log says {stated[at]!r}, the manifest {value!r}", at))
    return findings


def check_preflight(manifest: RunManifest) -> list[Finding]:
    """A preflight record, where there is one, agrees with its own figures, with the config
    that trained (the smoke config in a smoke run) and with the devices the run used."""
    record = manifest.preflight
    if record is None:
        return []
    findings = []
    peak, usable = record.predicted_peak_bytes_per_device, record.usable_bytes_per_device
    if (peak <= usable) != (record.verdict == "fits"):
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_INCONSISTENT,
                                f"verdict {record.verdict}, but the predicted peak {peak:,} bytes "
                                f"is {'within' if peak <= usable else 'over'} the usable "
                                f"{usable:,} bytes per device", "/preflight/verdict"))
    trained = manifest.smoke_config if manifest.mode == "smoke" else manifest.config
    if isinstance(trained, ConfigRef) and not is_placeholder(manifest.mode) and \
            trained.sha256 != record.config_sha256:
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_MISMATCH,
                                f"the preflight checked another config than {trained.path}, "
                                "which trained", "/preflight/config_sha256"))
    device = manifest.device
    if isinstance(device, DeviceInfo) and (device.platform, device.kind, device.count) != \
            (record.platform, record.device_kind, record.devices):
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_MISMATCH,
                                f"the preflight checked {record.devices} x {record.device_kind} "
                                f"({record.platform}), the run used {device.count} x "
                                f"{device.kind} ({device.platform})", "/preflight/devices"))
    return findings
