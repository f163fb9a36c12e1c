"""JSON Schemas exported from the models: one Draft 2020-12 schema per document and version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evidence.jsonio import write_bytes_atomic
from evidence.registry import DOCUMENTS, Document

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _end_of_text(pattern: str) -> str:
    """The models' regex engine reads `$` as the end of the text; Python's (used by most JSON
    Schema tools) also lets it match before a final newline. `(?!\n)$` means the end of the
    text in both Python and ECMA-262, so the exported pattern accepts what the model accepts."""
    if pattern.endswith("$") and not pattern.endswith((r"\$", r"(?!\n)$")):
        return pattern[:-1] + r"(?!\n)$"
    return pattern


def _portable(node: Any) -> Any:
    """Make the generated schema say exactly what the models check.

    Pydantic states a dict's key pattern as `patternProperties` alone, which lets any key that
    misses the pattern through; the models reject such keys, so the schema must too."""
    if isinstance(node, list):
        return [_portable(child) for child in node]
    if not isinstance(node, dict):
        return node
    closed: dict[str, Any] = {
        key: _end_of_text(child) if key == "pattern" and isinstance(child, str)
        else _portable(child) for key, child in node.items()}
    patterns = closed.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1:
        [(pattern, values)] = patterns.items()
        closed["patternProperties"] = {_end_of_text(pattern): values}
        closed["propertyNames"] = {**closed.get("propertyNames", {}),
                                   "pattern": _end_of_text(pattern)}
        closed["additionalProperties"] = False
    return closed


def schema_for(kind: Document) -> dict[str, Any]:
    schema = _portable(kind.model.model_json_schema(mode="validation"))
    return {"$schema": DRAFT_2020_12, "$id": kind.schema_id, **schema}


def schema_text(kind: Document) -> str:
    return json.dumps(schema_for(kind), indent=2, sort_keys=True) + "\n"


def export_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in DOCUMENTS:
        path = directory / kind.schema_file
        write_bytes_atomic(path, schema_text(kind).encode("utf-8"))
        written.append(path)
    return written


def drifted_schemas(directory: Path) -> list[str]:
    """File names of committed schemas that are missing or differ from the models."""
    drifted = []
    for kind in DOCUMENTS:
        path = directory / kind.schema_file
        if not path.is_file() or path.read_text(encoding="utf-8") != schema_text(kind):
            drifted.append(kind.schema_file)
    return drifted
