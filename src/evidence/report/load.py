"""Everything a report shows about one run, read once, after the run has been checked.

An invalid run is still shown: each document is read as far as it can be (the raw JSON where
the model refuses it), and what cannot be read is said, not guessed. The identity is shown from
the manifest's JSON as written, so a field that fails its model still reads as it stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EVAL_SUMMARY_SCHEMA_VERSION, EvalSummary
from evidence.models.manifest import RunManifestBase
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.models.preflight import PreflightRecord
from evidence.models.types import is_placeholder
from evidence.report.metrics import Metrics, read_metrics
from evidence.result import RunResult
from evidence.validation.documents import load_document, load_manifest, unreadable_file
from evidence.validation.predictions.reader import OVERLONG, numbered_lines


@dataclass
class Predictions:
    """The rows that read as predictions, in file order, and the lines that did not."""

    rows: list[Prediction] = field(default_factory=list)
    unreadable: int = 0
    problem: str | None = None


@dataclass
class RunData:
    result: RunResult
    manifest_raw: dict[str, Any] | None
    manifest: RunManifestBase | None
    summary: EvalSummary | None
    predictions: Predictions | None
    metrics: Metrics | None
    readable: bool = True  # False: an archive that did not verify, none of its files read

    @property
    def run_id(self) -> str:
        value = (self.manifest_raw or {}).get("run_id")
        if is_placeholder(value):
            return "not named yet (a template)"
        return value if isinstance(value, str) else "unnamed run"

    @property
    def preflight(self) -> PreflightRecord | None:
        """The manifest's preflight record, read on its own: a manifest that fails elsewhere
        may still hold a good one."""
        if self.manifest is not None:
            return self.manifest.preflight
        raw = (self.manifest_raw or {}).get("preflight")
        try:
            return PreflightRecord.model_validate(raw) if isinstance(raw, dict) else None
        except ValidationError:
            return None


def _rows(path: Path) -> Iterator[Prediction | None]:
    for _, line in numbered_lines(path):
        if line is OVERLONG or not line.strip():
            yield None
            continue
        try:
            # pydantic's strict JSON parser, as validate's block check uses: the report shows
            # what the run holds; duplicate keys and the like are validate's findings
            yield Prediction.model_validate_json(line)
        except ValidationError:
            yield None


def read_predictions(run_dir: Path) -> Predictions | None:
    """predictions.jsonl's rows, or None when the run has no such file (a template)."""
    path = run_dir / PREDICTIONS_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    finding = unreadable_file(path, PREDICTIONS_FILE)  # never opens a FIFO or a symlink
    if finding is not None:
        return Predictions(problem=finding.message)
    predictions = Predictions()
    try:
        for row in _rows(path):
            if row is None:
                predictions.unreadable += 1
            else:
                predictions.rows.append(row)
    except OSError as error:
        return Predictions(problem=f"cannot read {PREDICTIONS_FILE}: {error.strerror or error}")
    return predictions


def load_run(run_dir: Path, result: RunResult, *, items: bool = True) -> RunData:
    """The run's documents (placeholders allowed: they are shown as unfilled), and with
    `items` its predictions and metrics."""
    manifest = load_manifest(run_dir, True)
    summary = load_document(run_dir, EVAL_SUMMARY_FILE, EvalSummary,
                            EVAL_SUMMARY_SCHEMA_VERSION, True)
    return RunData(result=result, manifest_raw=manifest.raw, manifest=manifest.model,
                   summary=summary.model,
                   predictions=read_predictions(run_dir) if items else None,
                   metrics=read_metrics(run_dir) if items else None)
