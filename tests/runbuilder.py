"""Build complete, valid run directories from the models (never by hand), for tests to break."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evidence.io.atomic import write_bytes_atomic, write_jsonl_atomic, write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.logs.protocol import format_line
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EvalSummary
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import (
    MANIFEST_FILE,
    MANIFEST_SCHEMA_VERSION,
    ConfigRef,
    DeviceInfo,
    GitState,
    ModelRef,
    RunManifest,
    RunManifestV1,
    Timings,
)
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.models.training import (
    CheckpointRef,
    DatasetSource,
    FineTuneMethod,
    KaggleSession,
    TrainingRef,
)
from evidence.registry import RUN_MANIFEST, version_of
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


STARTED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# The smoke run: the tiny GPT-2 through transformers' Flax classes, its checkpoint as
# save_pretrained writes it, from a user's data file (toy-reasoning is not shipped).
SMOKE_MODEL = ModelRef(id="local/tiny-gpt2", revision=None, family="gpt2", dtype="float32",
                       parameter_count=12345)
SMOKE_TRAINING = TrainingRef(library="transformers", library_version="4.57.6",
                             method=FineTuneMethod(kind="full"))
SMOKE_CHECKPOINT = CheckpointRef(format="flax_msgpack", path="checkpoint", contents="full")
DATASET_SOURCE = DatasetSource(kind="file", path="data/toy-reasoning.jsonl", sha256="a" * 64)
# The eligible run (`build_run(..., eligible=True)`): what the Tunix hackathon accepts, a full
# run of Gemma 3 1B with a LoRA adapter trained by Tunix, saved as orbax, in one 2-hour session.
GEMMA_3_1B = ModelRef(id="google/gemma-3-1b-it", revision=None, family="gemma3_text",
                      dtype="bfloat16", parameter_count=999_885_952)
TUNIX_LORA = TrainingRef(library="tunix", library_version="0.1.7", method=FineTuneMethod(
    kind="lora", rank=16, alpha=32.0, targets=["q_einsum", "kv_einsum", "gate_proj",
                                              "up_proj", "down_proj"]))
ORBAX_ADAPTER = CheckpointRef(format="orbax", path="checkpoint", contents="lora_adapter")
CHECKPOINT_FILES = {"smoke": {"checkpoint/flax_model.msgpack": b"\x00weights\x01" * 64},
                    "eligible": {"checkpoint/_CHECKPOINT_METADATA": b'{"item_handlers": {}}\n',
                                 "checkpoint/lora/d/0": b"\x00adapter\x01" * 64}}


def build_run(run_dir: Path, predictions: list[Prediction] | None = None, *,
              version: str = MANIFEST_SCHEMA_VERSION, eligible: bool = False) -> Path:
    """A complete valid run: predictions, scorecard, log, a checkpoint, and the manifest, in
    the manifest `version` (1.0: the milestone's, 2.0: the current one). Without `eligible`, the
    tiny smoke run; with it (2.0 only), a full Gemma 3 1B LoRA run trained by Tunix with an
    orbax checkpoint, which profile tunix-hackathon-2025 allows."""
    rows = sample_predictions() if predictions is None else predictions
    mode = "full" if eligible else "smoke"
    run_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(run_dir / PREDICTIONS_FILE, rows)
    write_model_atomic(run_dir / EVAL_SUMMARY_FILE, EvalSummary(
        schema_version="1.0", run_id=RUN_ID, mode=mode,
        dataset=DATASET.model_copy(update={"eval_items": len(rows)}),
        predictions_schema_version="1.0", scorecard=score(rows)))
    write_bytes_atomic(run_dir / LOG_FILE, log_text().encode())
    checkpoint = CHECKPOINT_FILES["eligible" if eligible else "smoke"]
    for path, data in checkpoint.items():
        (run_dir / path).parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(run_dir / path, data)
    artifacts = [describe_artifact(run_dir, name) for name in (
        PREDICTIONS_FILE, EVAL_SUMMARY_FILE, LOG_FILE, *checkpoint)]
    fields: dict[str, Any] = dict(
        run_id=RUN_ID, mode=mode, model=GEMMA_3_1B if eligible else SMOKE_MODEL,
        config=ConfigRef(path="configs/submission_gemma3_1b_tunix.yaml" if eligible else
                         "configs/submission_gemma_flax.yaml", sha256="b" * 64),
        smoke_config=None if eligible else ConfigRef(path="configs/smoke_tiny.yaml",
                                                     sha256="c" * 64),
        dataset=DATASET.model_copy(update={"eval_items": len(rows)}),
        git=GitState(commit="d" * 40, dirty=False),
        packages={"jax": "0.10.2", "evidence": "0.1.0"},
        device=DeviceInfo(platform="cpu", kind="cpu", count=1),
        timings=Timings(started_at=STARTED, finished_at=STARTED + timedelta(seconds=42),
                        train_seconds=30.0, eval_seconds=10.5),
        artifacts=artifacts, kaggle=KAGGLE, steps=2)
    if version == "1.0":
        assert not eligible, "an eligible run records its training: a 2.0 manifest"
        write_model_atomic(run_dir / MANIFEST_FILE, RunManifestV1(schema_version="1.0",
                                                                  **fields))
        return run_dir
    write_model_atomic(run_dir / MANIFEST_FILE, RunManifest(
        schema_version=version, **fields,
        training=TUNIX_LORA if eligible else SMOKE_TRAINING,
        checkpoint=ORBAX_ADAPTER if eligible else SMOKE_CHECKPOINT,
        kaggle_session=KaggleSession(run_type="Batch", seconds=7200.0 if eligible else 60.0),
        dataset_source=DATASET_SOURCE))
    return run_dir


def rewrite_manifest(run_dir: Path, **changes: Any) -> RunManifest:
    """Change fields of a run's 2.0 manifest through its model (validated again), the rest of
    the run as it is: to break one rule at a time."""
    manifest = RunManifest.model_validate_json((run_dir / MANIFEST_FILE).read_bytes())
    changed = RunManifest.model_validate_json(
        manifest.model_copy(update=changes).model_dump_json())
    write_model_atomic(run_dir / MANIFEST_FILE, changed)
    return changed


def protocol_lines(run_dir: Path) -> list[str]:
    """What the trainer prints for a run: one evidence line per top-level field of its two
    documents, each dumped from its model as JSON."""
    lines = []
    version = json.loads((run_dir / MANIFEST_FILE).read_bytes())["schema_version"]
    manifest = version_of(RUN_MANIFEST.name, version) or RUN_MANIFEST
    for doc, file, model in (("run_manifest", MANIFEST_FILE, manifest.model),
                             ("eval_summary", EVAL_SUMMARY_FILE, EvalSummary)):
        document = model.model_validate_json((run_dir / file).read_bytes())
        lines += [format_line(doc, f"/{name}", value)
                  for name, value in document.model_dump(mode="json").items()]
    return lines
