"""Which data set a run trained and evaluated on, identified by digest (shared by two documents)."""

from __future__ import annotations

from pydantic import Field

from evidence.models.types import Count, Identifier, Name, Sha256, StrictModel


class DatasetRef(StrictModel):
    """The data set the run trained and evaluated on, identified by its digest."""

    name: Identifier = Field(description="Data set name, e.g. dev-reasoning-v2.")
    version: Name = Field(description="Data set version, e.g. 2.0.0.")
    sha256: Sha256 = Field(description="SHA-256 of the data set file as shipped, lowercase hex.")
    train_items: Count = Field(description="Number of items in the training split.")
    eval_items: Count = Field(description="Number of items in the evaluation split; "
                                          "predictions.jsonl has exactly one row per item.")
