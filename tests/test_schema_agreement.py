"""The models and the exported JSON Schemas agree, and documents survive a JSON round trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from evidence.models.eval_summary import EvalSummary
from evidence.models.manifest import RunManifest
from evidence.models.prediction import Prediction
from evidence.registry import DOCUMENTS
from evidence.schemas import drifted_schemas, schema_for
from evidence.templates import template_eval_summary, template_manifest
from runbuilder import build_run

REPO = Path(__file__).parent.parent
VALIDATORS = {kind.model: Draft202012Validator(schema_for(kind)) for kind in DOCUMENTS}


def example_documents(tmp: Path) -> list[tuple[type[BaseModel], dict[str, Any]]]:
    run = build_run(tmp / "run")
    first_row = (run / "predictions.jsonl").read_text().splitlines()[0]
    return [
        (RunManifest, json.loads((run / "run_manifest.json").read_text())),
        (EvalSummary, json.loads((run / "eval_summary.json").read_text())),
        (Prediction, json.loads(first_row)),
        (RunManifest, template_manifest().model_dump(mode="json")),
        (EvalSummary, template_eval_summary().model_dump(mode="json")),
    ]


def model_accepts(model: type[BaseModel], document: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(document))
    except ValidationError:
        return False
    return True


def schema_accepts(model: type[BaseModel], document: Any) -> bool:
    return VALIDATORS[model].is_valid(document)


def json_kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


# Replacements of another JSON kind than the value they replace: swapping 1 for 1.0 is left out
# on purpose, since JSON Schema calls 1.0 an integer and the strict models do not.
OTHER_VALUES = [None, True, False, 0, 7, -1, 2.5, "", "text", "<FILL: x>", [], [1], {}, {"a": 1}]


def paths(value: Any, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*at, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*at, index))
    return found


def is_breakdown(at: tuple) -> bool:
    """Dropping one section from a breakdown breaks a sum rule, which no JSON Schema states."""
    return len(at) == 2 and at[0] == "scorecard" and at[1] != "overall"


def mutate(document: Any, data: st.DataObject) -> Any:
    document = copy.deepcopy(document)
    at = data.draw(st.sampled_from(paths(document)))
    parent = document
    for key in at[:-1]:
        parent = parent[key]
    target = parent[at[-1]] if at else document
    action = data.draw(st.sampled_from(["swap", "unknown_key", "delete", "text"]))
    if action == "unknown_key" and isinstance(target, dict):
        target[data.draw(st.sampled_from(["surprise", "Run_Id", "easy "]))] = 1
    elif action == "delete" and at and isinstance(parent, dict) and not is_breakdown(at[:-1]):
        del parent[at[-1]]
    elif action == "text" and at and isinstance(target, str) and "timings" not in at:
        parent[at[-1]] = data.draw(st.text(max_size=12))
    elif at:
        choices = [v for v in OTHER_VALUES if json_kind(v) != json_kind(target)]
        parent[at[-1]] = data.draw(st.sampled_from(choices))
    return document


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> list:
    return example_documents(tmp_path_factory.mktemp("examples"))


def test_examples_are_accepted_by_both(examples: list) -> None:
    for model, document in examples:
        assert model_accepts(model, document) and schema_accepts(model, document)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_models_and_schemas_agree_on_structural_changes(examples: list,
                                                         data: st.DataObject) -> None:
    model, document = data.draw(st.sampled_from(examples))
    changed = mutate(document, data)
    assert model_accepts(model, changed) == schema_accepts(model, changed), changed


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_model_json_model_round_trip(examples: list, data: st.DataObject) -> None:
    model, document = data.draw(st.sampled_from(examples))
    parsed = model.model_validate_json(json.dumps(document))
    again = model.model_validate_json(parsed.model_dump_json())
    assert again == parsed
    assert json.loads(again.model_dump_json()) == json.loads(parsed.model_dump_json())


def test_committed_schemas_match_the_models() -> None:
    assert drifted_schemas(REPO / "schemas") == []


def test_every_schema_names_draft_2020_12_and_an_id() -> None:
    for kind in DOCUMENTS:
        schema = json.loads((REPO / "schemas" / kind.schema_file).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == kind.schema_id
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("value", ["run-1\n", "\x1frun", "run-1 ", " run-1", "<FILL: x>\n"])
def test_edge_strings_are_judged_alike(examples: list, value: str) -> None:
    """Regex engines differ on `$` before a final newline and on what counts as whitespace."""
    model, manifest = examples[0]
    for field in ("run_id", "mode"):
        changed = {**manifest, field: value}
        assert model_accepts(model, changed) == schema_accepts(model, changed)
    changed = {**manifest, "packages": {value: "1.0"}}
    assert model_accepts(model, changed) == schema_accepts(model, changed)
