"""metrics.jsonl as the trainer writes it (`training.metrics.MetricsRow`): one JSON object per
logged step with `step`, `loss`, `grad_norm`, `learning_rate` and timing fields.

The curves need four of those fields; the others (tokens, timings, `includes_compile`) are
read past, so a trainer that logs one more field still draws. Lines are read with the one
strict JSON reader; a line that is not such a row is counted and left out of the curves, never
guessed at (validate judges the run, the report only shows it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.validation.documents import unreadable_file

METRICS_FILE = "metrics.jsonl"
MAX_METRICS_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024

Finite = Annotated[float, Field(allow_inf_nan=False)]


class MetricPoint(BaseModel):
    """The fields of a trainer's metrics row that the curves draw."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    step: Annotated[int, Field(ge=1)]
    loss: Finite
    grad_norm: Finite
    learning_rate: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


@dataclass
class Metrics:
    """The curves' points in the file's order, and how many lines could not be read."""

    points: list[MetricPoint] = field(default_factory=list)
    unreadable: int = 0
    problem: str | None = None


def _point(line: bytes) -> MetricPoint | None:
    try:
        # a float field given as an integer (a loss of 2) is still that number
        raw = loads_strict(line, max_bytes=MAX_LINE_BYTES)
        for name in ("loss", "grad_norm", "learning_rate"):
            if type(raw.get(name)) is int:
                raw[name] = float(raw[name])
        return MetricPoint.model_validate(raw)
    except (StrictJsonError, ValidationError):
        return None


def read_metrics(run_dir: Path) -> Metrics | None:
    """The run's metrics.jsonl, or None when the run has none."""
    path = run_dir / METRICS_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    finding = unreadable_file(path, METRICS_FILE)
    if finding is not None:
        return Metrics(problem=finding.message)
    try:
        if path.stat().st_size > MAX_METRICS_BYTES:
            return Metrics(problem=f"{METRICS_FILE} is over {MAX_METRICS_BYTES} bytes")
        data = path.read_bytes()
    except OSError as error:
        return Metrics(problem=f"cannot read {METRICS_FILE}: {error.strerror or error}")
    metrics = Metrics()
    for line in data.splitlines():
        if not line.strip():
            continue
        point = _point(line)
        if point is None:
            metrics.unreadable += 1
        else:
            metrics.points.append(point)
    return metrics
