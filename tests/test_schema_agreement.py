"""The models and the exported JSON Schemas agree, and documents survive a JSON round trip.

Each document has a template schema (placeholders accepted where the model accepts them) and,
where a template can differ from a submission, a submission schema, which must accept exactly
what the model accepts with no placeholder anywhere: what `evidence validate` accepts."""

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

from evidence.filling.templates import template_eval_summary, template_manifest
from evidence.models.eval_summary import EvalSummary
from evidence.models.manifest import RunManifest, RunManifestV1
from evidence.models.prediction import Prediction
from evidence.models.types import is_placeholder
from evidence.registry import DOCUMENTS, EVAL_SUMMARY, RUN_MANIFEST, RUN_MANIFEST_V1
from evidence.schemas import drifted_schemas, schema_files, schema_for
from runbuilder import build_run

REPO = Path(__file__).parent.parent
VALIDATORS = {kind.model: Draft202012Validator(schema_for(kind)) for kind in DOCUMENTS}
SUBMISSION_VALIDATORS = {
    target.document.model: Draft202012Validator(schema_for(target.document, submission=True))
    for target in schema_files() if target.submission}


def example_documents(tmp: Path) -> list[tuple[type[BaseModel], dict[str, Any]]]:
    run = build_run(tmp / "run")
    first_row = (run / "predictions.jsonl").read_text().splitlines()[0]
    v1 = build_run(tmp / "v1", version="1.0")
    lora = build_run(tmp / "lora", eligible=True)
    return [
        (RunManifest, json.loads((run / "run_manifest.json").read_text())),
        (EvalSummary, json.loads((run / "eval_summary.json").read_text())),
        (Prediction, json.loads(first_row)),
        (RunManifest, template_manifest().model_dump(mode="json")),
        (EvalSummary, template_eval_summary().model_dump(mode="json")),
        (RunManifestV1, json.loads((v1 / "run_manifest.json").read_text())),
        (RunManifest, json.loads((lora / "run_manifest.json").read_text())),
    ]


# A rule of a 2.0 manifest that ties one top-level field to another (the checkpoint's path to
# the artifact list): the model checks it, no JSON Schema can. A change there may fail the model
# and pass the schema, never the other way round. (The data set's source and the data set must
# agree too, but no mutation below makes a digest or name that passes and differs.)
CROSS_FIELD = ("checkpoint", "artifacts")


def crosses_fields(document: Any, changed: Any) -> bool:
    return isinstance(document, dict) and document.get("schema_version") == "2.0" and any(
        not isinstance(changed, dict) or document.get(key) != changed.get(key)
        for key in CROSS_FIELD)


def model_accepts(model: type[BaseModel], document: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(document))
    except ValidationError:
        return False
    return True


def schema_accepts(model: type[BaseModel], document: Any) -> bool:
    return VALIDATORS[model].is_valid(document)


def holds_placeholder(value: Any) -> bool:
    """Any string value that is a placeholder, fillable field or not: `evidence validate`
    reports each as `template_unfilled` (dict keys are not values)."""
    if isinstance(value, dict):
        return any(holds_placeholder(child) for child in value.values())
    if isinstance(value, list):
        return any(holds_placeholder(child) for child in value)
    return is_placeholder(value)


def submission_accepts(model: type[BaseModel], document: Any) -> bool:
    return SUBMISSION_VALIDATORS[model].is_valid(document)


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


def test_submission_schemas_accept_the_run_and_refuse_the_templates(examples: list) -> None:
    for model, document in examples:
        if model in SUBMISSION_VALIDATORS:
            assert submission_accepts(model, document) == (not holds_placeholder(document))
    assert [model for model, document in examples if holds_placeholder(document)] == [
        RunManifest, EvalSummary]
    assert {model for model, _ in examples} >= {RunManifest, RunManifestV1}


def test_submission_schemas_exist_exactly_for_the_fillable_documents() -> None:
    """A prediction row, the lock and the attestation have no fillable field: their one schema
    is already strict."""
    fillable = (RUN_MANIFEST_V1, RUN_MANIFEST, EVAL_SUMMARY)
    assert {target.document for target in schema_files() if target.submission} == set(fillable)
    for target in schema_files():
        schema = json.loads((REPO / "schemas" / target.name).read_text())
        assert schema["$id"] == target.schema_id
        assert accepts_placeholder_somewhere(schema) == (
            not target.submission and target.document in fillable)


def accepts_placeholder_somewhere(node: Any) -> bool:
    """A branch of the schema states the placeholder pattern (under `not`, it refuses one)."""
    if isinstance(node, dict):
        return "<FILL" in node.get("pattern", "") or any(
            accepts_placeholder_somewhere(child) for key, child in node.items() if key != "not")
    return isinstance(node, list) and any(map(accepts_placeholder_somewhere, node))


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_submission_schemas_agree_with_the_models_without_placeholders(
        examples: list, data: st.DataObject) -> None:
    model, document = data.draw(st.sampled_from(
        [(model, document) for model, document in examples if model in SUBMISSION_VALIDATORS]))
    changed = mutate(document, data)
    expected = model_accepts(model, changed) and not holds_placeholder(changed)
    if crosses_fields(document, changed):
        assert submission_accepts(model, changed) or not expected, changed
    else:
        assert submission_accepts(model, changed) == expected, changed


@pytest.mark.parametrize("at", [("model", "id"), ("config", "path"), ("device", "kind"),
                                ("packages", "jax"), ("artifacts", 0, "path")])
def test_a_placeholder_in_a_field_that_is_not_fillable_fails_the_submission_schema(
        examples: list, at: tuple) -> None:
    """A hand-written template may put a placeholder where the models take any name; the
    template schema accepts it like the model, the submission schema refuses it like validate."""
    _, manifest = examples[0]
    changed = copy.deepcopy(manifest)
    parent = changed
    for key in at[:-1]:
        parent = parent[key]
    parent[at[-1]] = "<FILL: " + "/".join(map(str, at)) + ">"
    assert model_accepts(RunManifest, changed) and schema_accepts(RunManifest, changed)
    assert not submission_accepts(RunManifest, changed)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_models_and_schemas_agree_on_structural_changes(examples: list,
                                                         data: st.DataObject) -> None:
    model, document = data.draw(st.sampled_from(examples))
    changed = mutate(document, data)
    if crosses_fields(document, changed):
        assert schema_accepts(model, changed) or not model_accepts(model, changed), changed
    else:
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
    ids = []
    for target in schema_files():
        schema = json.loads((REPO / "schemas" / target.name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == target.schema_id
        Draft202012Validator.check_schema(schema)
        ids.append(schema["$id"])
    assert len(set(ids)) == len(ids)
    assert {target.name for target in schema_files()} == {
        path.name for path in (REPO / "schemas").glob("*.schema.json")}


@pytest.mark.parametrize("value", ["run-1\n", "\x1frun", "run-1 ", " run-1", "<FILL: x>\n"])
def test_edge_strings_are_judged_alike(examples: list, value: str) -> None:
    """Regex engines differ on `$` before a final newline and on what counts as whitespace."""
    model, manifest = examples[0]
    for field in ("run_id", "mode"):
        changed = {**manifest, field: value}
        assert model_accepts(model, changed) == schema_accepts(model, changed)
        assert submission_accepts(model, changed) == (model_accepts(model, changed)
                                                       and not holds_placeholder(changed))
    changed = {**manifest, "packages": {value: "1.0"}}
    assert model_accepts(model, changed) == schema_accepts(model, changed)
    assert model_accepts(model, changed) == submission_accepts(model, changed)
