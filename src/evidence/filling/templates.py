"""Templates: evidence documents whose fillable fields hold placeholders until a run fills them."""

from __future__ import annotations

from pathlib import Path

from evidence.io.atomic import write_bytes_atomic, write_model_atomic
from evidence.models.eval_summary import (
    EVAL_SUMMARY_FILE,
    EVAL_SUMMARY_SCHEMA_VERSION,
    EvalSummary,
    Scorecard,
)
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, ModelRef, RunManifest
from evidence.models.prediction import PREDICTION_SCHEMA_VERSION
from evidence.models.types import Placeholder
from evidence.registry import LOG_FILE, LOG_PLACEHOLDER_START

LOG_PLACEHOLDER = (
    f"{LOG_PLACEHOLDER_START.decode()} Replace this file with the console log of the run:\n"
    "evidence fill --from-log LOG RUN_DIR copies the log here and records its digest.\n"
)
fill = Placeholder.for_field


def template_manifest(model: ModelRef | None = None) -> RunManifest:
    return RunManifest(
        schema_version=MANIFEST_SCHEMA_VERSION,
        run_id=fill("run_id"),
        mode=fill("mode"),
        model=model if model is not None else fill("model"),
        config=fill("config"),
        # A placeholder, not null: whether the run had a smoke config is the log's to say.
        smoke_config=fill("smoke_config"),
        dataset=fill("dataset"),
        git=fill("git"),
        packages=fill("packages"),
        device=fill("device"),
        timings=fill("timings"),
        artifacts=fill("artifacts"),
        steps=fill("steps"),
        kaggle=KaggleFields(
            kaggle_notebook_url=fill("kaggle_notebook_url"),
            kaggle_notebook_version=fill("kaggle_notebook_version"),
            kaggle_run_id=fill("kaggle_run_id"),
        ),
        training=fill("training"),
        # A placeholder, not null: whether the run saved a checkpoint is the log's to say.
        checkpoint=fill("checkpoint"),
        kaggle_session=fill("kaggle_session"),
        dataset_source=fill("dataset_source"),
    )


def template_eval_summary() -> EvalSummary:
    return EvalSummary(
        schema_version=EVAL_SUMMARY_SCHEMA_VERSION,
        run_id=fill("run_id"),
        mode=fill("mode"),
        dataset=fill("dataset"),
        predictions_schema_version=PREDICTION_SCHEMA_VERSION,
        scorecard=Scorecard(
            overall=fill("scorecard.overall"),
            per_section=fill("scorecard.per_section"),
            per_category=fill("scorecard.per_category"),
            per_difficulty=fill("scorecard.per_difficulty"),
        ),
    )


def write_template(run_dir: Path, model: ModelRef | None = None) -> list[Path]:
    """Write a fresh template run directory; refuses to overwrite evidence that is there."""
    paths = [run_dir / MANIFEST_FILE, run_dir / EVAL_SUMMARY_FILE, run_dir / LOG_FILE]
    existing = [path for path in paths if path.exists()]
    if existing:
        raise FileExistsError(f"{existing[0]} exists; init writes only into an empty run")
    run_dir.mkdir(parents=True, exist_ok=True)
    write_model_atomic(paths[0], template_manifest(model))
    write_model_atomic(paths[1], template_eval_summary())
    write_bytes_atomic(paths[2], LOG_PLACEHOLDER.encode("utf-8"))
    return paths
