"""The docs keep up with the code: every finding code and document field is documented."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from typing import Any

from pydantic import BaseModel

import evidence.models
from evidence.findings import Code
from evidence.schemas import schema_files, schema_for
from repo_paths import REPO

DOCS = "\n".join(path.read_text() for path in sorted((REPO / "docs").glob("*.md")))
REFERENCE = (REPO / "docs" / "evidence.md").read_text()


def test_every_finding_code_is_documented() -> None:
    missing = [code.value for code in Code if f"`{code.value}`" not in DOCS]
    assert missing == []


def every_model() -> list[type[BaseModel]]:
    """Every model defined in a module of evidence.models, found by walking the package, so a new
    model or module is covered without being listed here."""
    models = []
    for module_info in pkgutil.iter_modules(evidence.models.__path__):
        module = importlib.import_module(f"evidence.models.{module_info.name}")
        models += [value for value in vars(module).values()
                   if inspect.isclass(value) and issubclass(value, BaseModel)
                   and value.__module__ == module.__name__ and value.model_fields]
    return models


MODELS = every_model()


def test_the_model_walk_finds_every_document() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"RunManifest", "EvalSummary", "Score", "Prediction", "KaggleFields", "Timings",
            "EvidenceLock", "AttestationStatement", "PreflightRecord",
            "CompetitionProfile"} <= names


def test_every_model_field_has_a_description() -> None:
    missing = [f"{model.__name__}.{name}" for model in MODELS
               for name, field in model.model_fields.items()
               if not (field.description or "").strip()]
    assert missing == []


def reference_rows() -> list[tuple[str, str]]:
    """(field, meaning) of every table row of the reference, backticks dropped: the docs may set
    a field's words in code type."""
    rows = []
    for line in REFERENCE.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip().replace("`", "") for cell in line.strip("|").split(" | ")]
            rows.append((cells[0], cells[-1]))
    return rows


def test_every_field_is_in_the_reference() -> None:
    """Each field of each model has a row in docs/evidence.md whose meaning is its description,
    word for word (a nested field may be written with its parent, `digest.sha256`)."""
    rows = reference_rows()
    missing = []
    for model in MODELS:
        for name, field in model.model_fields.items():
            key = field.alias or name
            if not any((documented == key or documented.endswith(f".{key}"))
                       and meaning == (field.description or "").replace("`", "")
                       for documented, meaning in rows):
                missing.append(f"{model.__name__}.{key}: {field.description}")
    assert missing == []


def properties_without_description(node: Any, at: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "properties":
                found += [f"{at}/{name}" for name, value in child.items()
                          if "description" not in value]
            found += properties_without_description(child, f"{at}/{key}")
    return found


def test_every_field_description_is_in_the_json_schemas() -> None:
    """Both the template and the submission schemas carry every field's description (pydantic
    drops a field's description where it repeats the referenced object's, so they must
    differ)."""
    for target in schema_files():
        schema = schema_for(target.document, submission=target.submission)
        assert properties_without_description(schema) == [], target.name
        committed = json.loads((REPO / "schemas" / target.name).read_text())
        assert committed == json.loads(json.dumps(schema))


def test_readme_quick_start_has_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert [line.split("#")[0].strip() for line in commands] == [
        "bash scripts/quickstart.sh", "bash scripts/test.sh"]
