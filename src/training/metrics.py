"""metrics.jsonl: one row per logged step, rewritten atomically so a crash leaves a whole file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from evidence import write_jsonl_atomic

METRICS_FILE = "metrics.jsonl"

Finite = Annotated[float, Field(allow_inf_nan=False)]


class MetricsRow(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    step: Annotated[int, Field(ge=1)]
    loss: Finite
    grad_norm: Finite
    learning_rate: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    tokens: Annotated[int, Field(ge=0, description="Real (non-pad) tokens in the step's batch.")]
    positions: Annotated[int, Field(ge=0, description="Positions the step computed (rows x "
                                                      "sequence length): real tokens and "
                                                      "padding.")] = 0
    loss_tokens: Annotated[int, Field(ge=0, description="Response tokens the loss covers.")]
    tokens_per_second: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    step_seconds: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    includes_compile: bool = Field(description="True for the step that compiled the function.")


class MetricsLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[MetricsRow] = []

    def add(self, row: MetricsRow) -> None:
        self.rows.append(row)
        write_jsonl_atomic(self.path, self.rows)
