"""The migrations of run_manifest.json, as plain functions on parsed documents, in one chain.

Each step takes a document of one version to the next and keeps every value it had; `migrate`
applies the steps from the document's version to the current one (none for a current document).
A version this evidence does not know, newer or not, is a `MigrationError`: never guessed.
Nothing here reads or writes files (see `evidence.migrate.run`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidence.findings import Finding
from evidence.migrate import infer
from evidence.migrate.infer import Addition
from evidence.models.manifest import (
    MANIFEST_FILE,
    MANIFEST_SCHEMA_VERSION,
    MANIFEST_V1_SCHEMA_VERSION,
    MANIFEST_VERSIONS,
)
from evidence.validation.documents import version_finding

Document = dict[str, Any]


class MigrationError(Exception):
    """The document cannot be migrated (a version this evidence does not know): the finding
    says which version, which are known, and what to do."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def v2_additions(document: Document) -> list[Addition]:
    """The fields 2.0 adds to a 1.0 document, each with its value and why (see `infer`)."""
    return [infer.training(document), infer.checkpoint(document),
            infer.kaggle_session(document), infer.dataset_source(document)]


def v1_to_v2(document: Document) -> Document:
    """A 1.0 manifest as 2.0: every 1.0 field and value as it was (in its order), the version
    2.0, and the four fields 2.0 added at the end, placeholders where 1.0 cannot say."""
    migrated = copy.deepcopy(document)
    migrated["schema_version"] = MANIFEST_SCHEMA_VERSION
    for addition in v2_additions(document):
        migrated[addition.field] = addition.value
    return migrated


@dataclass(frozen=True, slots=True)
class Step:
    source: str
    target: str
    apply: Callable[[Document], Document]
    additions: Callable[[Document], list[Addition]]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


# Oldest first; each step's target is the next one's source, the last's the current version.
STEPS = (Step(MANIFEST_V1_SCHEMA_VERSION, MANIFEST_SCHEMA_VERSION, v1_to_v2, v2_additions),)


@dataclass(frozen=True, slots=True)
class Applied:
    """A step that ran, and what it added to the document it was given."""

    step: Step
    additions: list[Addition]


def migrate(document: Document) -> tuple[Document, list[Applied]]:
    """The document in the current version, and the steps that took it there (none when it is
    current already). Raises MigrationError for a version this evidence does not read."""
    version = document.get("schema_version")
    if version not in MANIFEST_VERSIONS:
        raise MigrationError(version_finding(MANIFEST_FILE, version, MANIFEST_VERSIONS))
    applied = []
    for step in STEPS:
        if document.get("schema_version") == step.source:
            applied.append(Applied(step, step.additions(document)))
            document = step.apply(document)
    return document, applied
