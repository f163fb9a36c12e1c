"""Validate a run directory: each document on its own, then the checks across documents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.findings import Code, Finding
from evidence.io.digest import FileDigest, ProgressStart
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EVAL_SUMMARY_SCHEMA_VERSION, EvalSummary
from evidence.models.manifest import RunManifestBase
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.models.profile import CompetitionProfile
from evidence.registry import LOG_FILE
from evidence.result import CommandResult, RunResult
from evidence.validation.checks.artifacts import check_artifacts
from evidence.validation.checks.identity import check_identity
from evidence.validation.checks.log import RecordedLog, check_log_agreement, read_recorded_log
from evidence.validation.checks.preflight import check_preflight
from evidence.validation.checks.sanity import check_sanity
from evidence.validation.checks.scorecard import check_row_count, check_scorecard
from evidence.validation.documents import LoadedDocument, load_document, load_manifest
from evidence.validation.predictions import PredictionsCheck, check_predictions

if TYPE_CHECKING:  # only --kaggle-log and --dataset need these modules: imported when used
    from evidence.validation.checks.dataset import KnownDataset
    from evidence.validation.checks.kaggle_log import KaggleCopy


class RunDirectoryError(Exception):
    """The path is not a run directory at all: a usage error, not a finding."""



def not_a_run_directory(path: Path) -> str | None:
    """Why `path` cannot be a run directory, in words that say what to give instead."""
    if path.is_dir():
        return None
    if path.is_file():
        return (f"is a file, not a run directory; give the directory that holds it "
                f"({path.parent})")
    if path.exists():
        return "is not a directory (a device, pipe or socket); give a run directory"
    return "no such run directory"


def _scorecard_is_template(summary: LoadedDocument[EvalSummary]) -> bool:
    return any(at.startswith("/scorecard") for at in summary.placeholders)


def _check_predictions(
        run_dir: Path, summary: LoadedDocument[EvalSummary], allow_template: bool,
        progress: ProgressStart | None) -> tuple[PredictionsCheck | None, list[Finding]]:
    path = run_dir / PREDICTIONS_FILE
    try:
        present = path.exists() or path.is_symlink()
    except OSError:  # the run directory cannot be searched: check_predictions says so
        present = True
    if not present:
        if allow_template and _scorecard_is_template(summary):
            return None, []
        return None, [Finding(PREDICTIONS_FILE, Code.FILE_MISSING,
                              f"{PREDICTIONS_FILE} is missing; the scorecard cannot be checked")]
    # Names a FIFO, device or symlink as such, never opens it; hashes the file as it reads it.
    result = check_predictions(path, progress=progress)
    return (result if result.readable else None), result.findings


def _read_once(predictions: PredictionsCheck | None, log: RecordedLog) -> dict[str, FileDigest]:
    """The digests of the run files already read to be checked: the artifact check compares
    these, rather than read the files a second time."""
    read = {LOG_FILE: log.digest}
    if predictions is not None:
        read[PREDICTIONS_FILE] = predictions.digest
    return {path: digest for path, digest in read.items() if digest is not None}


def _cross_checks(run_dir: Path, manifest: RunManifestBase | None, summary: EvalSummary | None,
                  predictions: PredictionsCheck | None, progress: ProgressStart | None,
                  read: dict[str, FileDigest]) -> list[Finding]:
    findings: list[Finding] = []
    if manifest is not None and summary is not None:
        findings += check_identity(manifest, summary)
    if summary is not None and predictions is not None and not predictions.findings:
        findings += check_scorecard(summary.scorecard, predictions.scores.scorecard())
    if manifest is not None:
        if predictions is not None:
            findings += check_row_count(manifest, predictions.rows)
        if not isinstance(manifest.artifacts, str):
            findings += check_artifacts(run_dir, manifest.artifacts, progress, read)
        findings += check_preflight(manifest)
        findings += check_sanity(manifest)
    return findings


def _anchored_checks(run_dir: Path, manifest: RunManifestBase | None, summary: EvalSummary | None,
                     recorded: RecordedLog, kaggle_log: KaggleCopy | None,
                     dataset: KnownDataset | None) -> list[Finding]:
    """The checks against what the run's author does not control: the recorded log (and
    Kaggle's copy of it), and the data set."""
    documents: dict[str, Any] = {
        "run_manifest": manifest.model_dump(mode="json") if manifest is not None else None,
        "eval_summary": summary.model_dump(mode="json") if summary is not None else None}
    findings = check_log_agreement(recorded, documents, manifest)
    if kaggle_log is not None:
        from evidence.validation.checks.kaggle_log import check_kaggle_copy

        findings += check_kaggle_copy(kaggle_log, documents, recorded)
    claimed = manifest.dataset if manifest is not None and \
        not isinstance(manifest.dataset, str) else None
    if dataset is None and claimed is not None:
        from evidence.validation.checks.dataset import shipped_dataset

        dataset = shipped_dataset(claimed.name, claimed.version)
    if dataset is not None:
        from evidence.validation.checks.dataset import check_dataset

        findings += check_dataset(dataset, claimed, run_dir / PREDICTIONS_FILE)
    return findings


def validate_run(run_dir: Path, *, allow_template: bool = False,
                 progress: ProgressStart | None = None,
                 profile: CompetitionProfile | None = None,
                 kaggle_log: KaggleCopy | None = None,
                 dataset: KnownDataset | None = None) -> RunResult:
    """All findings for one run directory. Raises RunDirectoryError if it is not a directory.
    With a competition profile, a full run's model must also be one the profile allows; with
    Kaggle's copy of the log (`read_kaggle_copy`), the run must be what it states; with a data
    set (`read_dataset_file`; else the shipped one the manifest names, if any), the predictions
    must cover its eval split."""
    problem = not_a_run_directory(run_dir)
    if problem is not None:
        raise RunDirectoryError(f"{run_dir}: {problem}")
    manifest = load_manifest(run_dir, allow_template)  # in the version it names
    summary = load_document(run_dir, EVAL_SUMMARY_FILE, EvalSummary,
                            EVAL_SUMMARY_SCHEMA_VERSION, allow_template)
    predictions, prediction_findings = _check_predictions(run_dir, summary, allow_template,
                                                          progress)
    recorded = read_recorded_log(run_dir, progress)  # before the artifact check: its digest
    report = RunResult(str(run_dir))
    report.findings += manifest.findings + summary.findings + prediction_findings
    report.findings += _cross_checks(run_dir, manifest.model, summary.model, predictions, progress,
                                     _read_once(predictions, recorded))
    report.findings += _anchored_checks(run_dir, manifest.model, summary.model, recorded,
                                        kaggle_log, dataset)
    if profile is not None and manifest.model is not None:
        from evidence.validation.eligibility import check_eligibility  # only with --profile

        report.findings += check_eligibility(manifest.model, profile)
    report.placeholders = len(manifest.placeholders) + len(summary.placeholders)
    return report


def validate_paths(paths: list[Path], *, allow_template: bool = False,
                   progress: ProgressStart | None = None,
                   profile: CompetitionProfile | None = None,
                   kaggle_log: KaggleCopy | None = None,
                   dataset: KnownDataset | None = None) -> CommandResult:
    """`evidence validate`: every path checked; one that is not a run directory is reported as
    such and the rest are still checked."""
    runs = []
    for path in paths:
        if path.name == "kernel-metadata.json":  # Kaggle's fixed name: a notebook's, not a run
            from evidence.validation.kernel_metadata import validate_kernel_metadata

            runs.append(validate_kernel_metadata(path))
            continue
        try:
            runs.append(validate_run(path, allow_template=allow_template, progress=progress,
                                     profile=profile, kaggle_log=kaggle_log, dataset=dataset))
        except RunDirectoryError as error:
            runs.append(RunResult(str(path), error=str(error).removeprefix(f"{path}: ")))
    return CommandResult("validate", runs, result={"runs": [run.to_json() for run in runs]})
