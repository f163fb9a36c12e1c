"""Build complete, valid run directories from the models (never by hand), for tests to break."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidence.io.atomic import write_bytes_atomic, write_jsonl_atomic, write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.logs.protocol import format_line
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EvalSummary
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import (
    MANIFEST_FILE,
    ConfigRef,
    DeviceInfo,
    GitState,
    ModelRef,
    RunManifest,
    Timings,
)
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.scoring.grader import grade
from evidence.scoring.scorecard import score

RUN_ID = "run-20261125-smoke"
# Not a data set evidence knows (as it knows the shipped dev-reasoning-v2): the sample rows are
# made up, so the data set check has nothing to compare them with.
LOG_FILE = "kaggle_output_log.txt"
DATASET = DatasetRef(name="toy-reasoning", version="1.0.0", sha256="a" * 64,
                     train_items=10, eval_items=6)
KAGGLE = KaggleFields(kaggle_notebook_url="https://www.kaggle.com/code/alice/gemma-reasoning",
                      kaggle_notebook_version=7, kaggle_run_id=212345678)


def sample_predictions() -> list[Prediction]:
    cases = [
        ("arith-0001", "arithmetic", "addition", "easy",
         "<reasoning>2+2</reasoning><answer>4</answer>", "4"),
        ("arith-0002", "arithmetic", "multiplication", "medium",
         "<reasoning>6*7</reasoning><answer>41</answer>", "42"),
        ("alg-0001", "algebra", "linear", "hard",
         "<reasoning>x=3</reasoning><answer>3</answer>", "3"),
        ("logic-0001", "logic", "syllogism", "easy", "yes", "yes"),
        ("logic-0002", "logic", "syllogism", "medium",
         "<reasoning>so</reasoning><answer>No.</answer>", "no"),
        ("word-0001", "word_problems", "rates", "hard",
         "<reasoning>1,200 km</reasoning><answer>1,200</answer>", "1200"),
    ]
    rows = []
    for item_id, section, category, difficulty, response, reference in cases:
        graded = grade(response, reference)
        rows.append(Prediction(item_id=item_id, section=section, category=category,
                               difficulty=difficulty, response=response,
                               extracted_answer=graded.extracted_answer,
                               reference_answer=reference, correct=graded.correct,
                               format_ok=graded.format_ok))
    return rows


def log_text() -> str:
    lines = ["Starting run", format_line("run_manifest", "/run_id", RUN_ID)]
    lines += [format_line("run_manifest", f"/kaggle/{name}", value) for name, value in KAGGLE]
    return "\n".join(lines) + "\n"


def build_run(run_dir: Path, predictions: list[Prediction] | None = None) -> Path:
    """A complete valid run: predictions, scorecard, log, a checkpoint file, and the manifest."""
    rows = sample_predictions() if predictions is None else predictions
    run_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(run_dir / PREDICTIONS_FILE, rows)
    write_model_atomic(run_dir / EVAL_SUMMARY_FILE, EvalSummary(
        schema_version="1.0", run_id=RUN_ID, mode="smoke",
        dataset=DATASET.model_copy(update={"eval_items": len(rows)}),
        predictions_schema_version="1.0", scorecard=score(rows)))
    write_bytes_atomic(run_dir / LOG_FILE, log_text().encode())
    (run_dir / "checkpoint").mkdir(exist_ok=True)
    write_bytes_atomic(run_dir / "checkpoint" / "flax_model.msgpack", b"\x00weights\x01" * 64)
    artifacts = [describe_artifact(run_dir, name) for name in (
        PREDICTIONS_FILE, EVAL_SUMMARY_FILE, LOG_FILE, "checkpoint/flax_model.msgpack")]
    started = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    write_model_atomic(run_dir / MANIFEST_FILE, RunManifest(
        schema_version="1.0", run_id=RUN_ID, mode="smoke",
        model=ModelRef(id="local/tiny-gpt2", revision=None, family="gpt2", dtype="float32",
                       parameter_count=12345),
        config=ConfigRef(path="configs/submission_gemma_flax.yaml", sha256="b" * 64),
        smoke_config=ConfigRef(path="configs/smoke_tiny.yaml", sha256="c" * 64),
        dataset=DATASET.model_copy(update={"eval_items": len(rows)}),
        git=GitState(commit="d" * 40, dirty=False),
        packages={"jax": "0.10.2", "evidence": "0.1.0"},
        device=DeviceInfo(platform="cpu", kind="cpu", count=1),
        timings=Timings(started_at=started, finished_at=started + timedelta(seconds=42),
                        train_seconds=30.0, eval_seconds=10.5),
        artifacts=artifacts, kaggle=KAGGLE, steps=2))
    return run_dir


def protocol_lines(run_dir: Path) -> list[str]:
    """What the trainer prints for a run: one evidence line per top-level field of its two
    documents, each dumped from its model as JSON."""
    lines = []
    for doc, file, model in (("run_manifest", MANIFEST_FILE, RunManifest),
                             ("eval_summary", EVAL_SUMMARY_FILE, EvalSummary)):
        document = model.model_validate_json((run_dir / file).read_bytes())
        lines += [format_line(doc, f"/{name}", value)
                  for name, value in document.model_dump(mode="json").items()]
    return lines
