"""The recorded log's own entry in the manifest's artifact list.

The trainer cannot know the digest of its console log, so it never lists one (or lists the digest
of a local copy). Fill puts the entry of the log it records into the list, wherever the list
comes from: the one the log states, or one the run directory already holds. Either way the entry
for kaggle_output_log.txt is replaced in place, or added at the end.
"""

from __future__ import annotations

from typing import Any

from evidence.filling.merge import MISSING, Change, DocumentMerge
from evidence.filling.statements import Statement
from evidence.models.artifact import ArtifactRef
from evidence.registry import LOG_FILE

ARTIFACTS = "artifacts"


def with_log_entry(items: list[Any], entry: ArtifactRef) -> list[Any]:
    mine = entry.model_dump(mode="json")
    listed = [mine if isinstance(item, dict) and item.get("path") == LOG_FILE else item
              for item in items]
    return listed if mine in listed else [*listed, mine]


def stated_with_log_entry(statement: Statement, entry: ArtifactRef) -> Statement:
    if statement.doc != "run_manifest" or statement.pointer != f"/{ARTIFACTS}" \
            or not isinstance(statement.value, list):
        return statement
    return Statement(statement.doc, statement.pointer, with_log_entry(statement.value, entry),
                     statement.source, statement.line)


def record_log_entry(merge: DocumentMerge, entry: ArtifactRef, source: str) -> None:
    """Into an artifact list the manifest already holds (a placeholder stays one)."""
    items = merge.raw.get(ARTIFACTS)
    if not isinstance(items, list):
        return
    updated = with_log_entry(items, entry)
    for index, item in enumerate(updated):
        old = items[index] if index < len(items) else MISSING
        if item != old:
            merge.changes.append(Change(merge.file, f"/{ARTIFACTS}/{index}", old, item, source))
    merge.raw[ARTIFACTS] = updated
