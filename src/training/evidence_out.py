"""The run's evidence: eval_summary.json and run_manifest.json built from the evidence models,
written atomically, stated on stdout line by line (the evidence protocol), then validated.

The manifest is written last: it lists every other file of the run with its digest and size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from evidence import (
    EVAL_SUMMARY,
    EVAL_SUMMARY_FILE,
    MANIFEST_FILE,
    PREDICTION,
    PREDICTIONS_FILE,
    RUN_MANIFEST,
    ArtifactRef,
    CheckpointRef,
    Code,
    ConfigRef,
    DatasetRef,
    DatasetSource,
    DeviceInfo,
    EvalSummary,
    GitState,
    KaggleFields,
    KaggleSession,
    Mode,
    ModelRef,
    Prediction,
    PreflightRecord,
    RunManifest,
    Timings,
    TrainingRef,
    collect_run_files,
    describe_artifact,
    format_line,
    is_placeholder,
    parse_line,
    score,
    validate_run,
    write_jsonl_atomic,
    write_model_atomic,
)
from training.config import LoadedConfig
from training.dataset.registry import Dataset
from training.errors import TrainingError


def dataset_ref(dataset: Dataset) -> DatasetRef:
    return DatasetRef(name=dataset.spec.name, version=dataset.spec.version,
                      sha256=dataset.sha256, train_items=len(dataset.train),
                      eval_items=len(dataset.eval))


def dataset_source(dataset: Dataset) -> DatasetSource:
    """Where the data set came from: a shipped name, or the user's file and its digest."""
    source = dataset.source
    return DatasetSource(kind=source.kind, name=source.name, path=source.path,
                         sha256=source.sha256)


def config_ref(loaded: LoadedConfig) -> ConfigRef:
    return ConfigRef(path=loaded.path, sha256=loaded.sha256)


def write_predictions_and_summary(run_dir: Path, *, run_id: str, mode: Mode,
                                  dataset: DatasetRef,
                                  predictions: Sequence[Prediction]) -> EvalSummary:
    """predictions.jsonl, then the scorecard the one scoring function makes of those rows."""
    write_jsonl_atomic(run_dir / PREDICTIONS_FILE, predictions)
    summary = EvalSummary(schema_version=EVAL_SUMMARY.version, run_id=run_id, mode=mode,
                          dataset=dataset, predictions_schema_version=PREDICTION.version,
                          scorecard=score(predictions))
    write_model_atomic(run_dir / EVAL_SUMMARY_FILE, summary)
    return summary


def run_artifacts(run_dir: Path) -> list[ArtifactRef]:
    """Every file under the run directory except the manifest, sorted by path (the same walk
    that `evidence package` makes)."""
    paths = collect_run_files(run_dir).paths
    return [describe_artifact(run_dir, path) for path in paths if path != MANIFEST_FILE]


def write_manifest(run_dir: Path, *, run_id: str, mode: Mode, model: ModelRef,
                   config: ConfigRef, smoke_config: ConfigRef | None, dataset: DatasetRef,
                   git: GitState, packages: dict[str, str], device: DeviceInfo,
                   started_at: datetime, finished_at: datetime, train_seconds: float,
                   eval_seconds: float, kaggle: KaggleFields, steps: int,
                   training: TrainingRef, checkpoint: CheckpointRef | None,
                   kaggle_session: KaggleSession, source: DatasetSource,
                   preflight: PreflightRecord | None = None) -> RunManifest:
    """The 2.0 manifest; the checkpoint (if any) must be written already: its files are
    listed among the artifacts."""
    manifest = RunManifest(
        schema_version=RUN_MANIFEST.version, run_id=run_id, mode=mode, model=model, config=config,
        smoke_config=smoke_config, dataset=dataset, git=git, packages=packages, device=device,
        timings=Timings(started_at=started_at, finished_at=finished_at,
                        train_seconds=train_seconds, eval_seconds=eval_seconds),
        artifacts=run_artifacts(run_dir), kaggle=kaggle, steps=steps, training=training,
        checkpoint=checkpoint, kaggle_session=kaggle_session, dataset_source=source,
        preflight=preflight)
    write_model_atomic(run_dir / MANIFEST_FILE, manifest)
    return manifest


def evidence_lines(manifest: RunManifest, summary: EvalSummary) -> list[str]:
    """One protocol line per top-level field (per Kaggle field), placeholders left out: the
    console log alone can rebuild every field the run knew, and `evidence validate` holds the
    documents to it. The predictions file is anchored there too: its SHA-256 and size in
    /artifacts, its row count in /scorecard (overall n_items) and /dataset (eval_items)."""
    lines = []
    manifest_json = manifest.model_dump(mode="json")
    for name, value in manifest_json.items():
        if name == "kaggle":
            lines += [format_line(RUN_MANIFEST.name, f"/kaggle/{field}", kaggle_value)
                      for field, kaggle_value in value.items() if not is_placeholder(kaggle_value)]
        elif not is_placeholder(value):
            lines.append(format_line(RUN_MANIFEST.name, f"/{name}", value))
    for name, value in summary.model_dump(mode="json").items():
        lines.append(format_line(EVAL_SUMMARY.name, f"/{name}", value))
    unread = [line[:80] for line in lines if parse_line(line) is None]
    if unread:  # a log reader skips an overlong line: its field would go unstated, unchecked
        raise TrainingError(f"an evidence line is too long for log readers to read back: "
                            f"{unread[0]}...", exit_code=1)
    return lines


def self_check(run_dir: Path, kaggle: KaggleFields,
               say: Callable[[str], None] = print) -> None:
    """Validate the run with the evidence validator. Only the Kaggle fields the run could not
    know may remain placeholders; anything else is a failure (a TrainingError)."""
    open_kaggle = sum(is_placeholder(value) for _, value in kaggle)
    result = validate_run(run_dir, allow_template=open_kaggle > 0)
    # The console log is still being printed: the session records it afterwards (`evidence
    # fill --from-log`), so its absence is the one finding the run cannot avoid yet.
    problems = [f"{f.file} {f.pointer or ''} [{f.code}] {f.message}" for f in result.findings
                if f.code is not Code.KAGGLE_LOG_MISSING]
    if result.placeholders != open_kaggle:
        problems.append(f"{result.placeholders} placeholders where only the {open_kaggle} "
                        "Kaggle fields may be open")
    if problems:
        raise TrainingError("the run's own evidence does not validate:\n  "
                            + "\n  ".join(problems), exit_code=1)
    if open_kaggle:
        say(f"evidence: valid with {open_kaggle} Kaggle field(s) left to fill; "
               f"`evidence validate {run_dir} --allow-template` accepts it now, "
               f"`evidence fill --from-log LOG {run_dir}` completes it")
    else:
        say(f"evidence: valid, `evidence validate {run_dir}` accepts it")
