"""Artifact paths are canonical and unique, names are one clean line, and a run id never takes
the lock's name: each fixture case through the real `evidence validate`, and the exported JSON
Schemas agree with the models on every such string (hypothesis)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from evidence.io.pointer import pointer_tokens
from evidence.models.manifest import RunManifest, reserved_run_id
from evidence.registry import RUN_MANIFEST
from evidence.schemas import schema_for
from runbuilder import build_run

CASES = Path(__file__).parents[1] / "fixtures" / "names_and_paths"
REFUSED = sorted((CASES / "refused").glob("*.json"))
ACCEPTED = sorted((CASES / "accepted").glob("*.json"))
SCHEMA = Draft202012Validator(schema_for(RUN_MANIFEST, submission=True))


def set_at(document: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    *parents, last = pointer_tokens(pointer)
    target: Any = document
    for key in parents:
        target = target[int(key) if isinstance(target, list) else key]
    if isinstance(target, dict) and last not in target:  # a key to rename: keep its value
        old = next(key for key in target if key.startswith(last[:2]))
        target[last] = target.pop(old)
    else:
        target[int(last) if isinstance(target, list) else last] = value
    return document


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run = build_run(tmp_path_factory.mktemp("names") / "run")
    document = dict(json.loads((run / "run_manifest.json").read_text()))
    # No checkpoint: its path must name a listed file, a rule across fields that no JSON Schema
    # states, and these tests rename that file (/artifacts/3) at will.
    document["checkpoint"] = None
    return document


@pytest.mark.parametrize("case", REFUSED, ids=lambda path: path.stem)
def test_refused_case_is_a_schema_value_finding(case: Path, tmp_path: Path) -> None:
    spec = json.loads(case.read_text())
    run = build_run(tmp_path / "run")
    document = json.loads((run / "run_manifest.json").read_text())
    (run / "run_manifest.json").write_text(
        json.dumps(set_at(document, spec["pointer"], spec["value"]), ensure_ascii=False))
    result = subprocess.run([sys.executable, "-m", "evidence", "validate", "--json", str(run)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    [report] = json.loads(result.stdout)["result"]["runs"]
    expected = spec.get("finding_pointer", spec["pointer"])
    found = [(finding["code"], finding["pointer"]) for finding in report["findings"]
             if finding["file"] == "run_manifest.json"]
    assert ("schema_value", expected) in found, found
    if "beyond_json_schema" not in spec:
        assert not SCHEMA.is_valid(document)


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda path: path.stem)
def test_accepted_case_reads(case: Path, manifest: dict[str, Any]) -> None:
    spec = json.loads(case.read_text())
    document = set_at(json.loads(json.dumps(manifest)), spec["pointer"], spec["value"])
    RunManifest.model_validate_json(json.dumps(document))
    assert SCHEMA.is_valid(document)


def test_canonical_path_message_says_what_to_write() -> None:
    from evidence.models.artifact import ArtifactRef

    with pytest.raises(ValidationError, match="write 'a/b'"):
        ArtifactRef(path="a//b", sha256="0" * 64, size_bytes=1)


def test_nfc_equal_paths_are_one_artifact(manifest: dict[str, Any]) -> None:
    document = json.loads(json.dumps(manifest))
    first = dict(document["artifacts"][0])
    document["artifacts"] += [dict(first, path="caf\u00e9.txt"), dict(first, path="cafe\u0301.txt")]
    with pytest.raises(ValidationError, match="equal in Unicode NFC"):
        RunManifest.model_validate_json(json.dumps(document))


def test_reserved_run_ids() -> None:
    assert reserved_run_id("evidence.lock.json") == "evidence.lock.json"
    assert reserved_run_id("Evidence.Lock.Json.") == "evidence.lock.json"
    assert reserved_run_id("evidence.lock") is None
    assert reserved_run_id("run-20261125-smoke") is None


TRICKY = st.sampled_from(list("a./ \t\n\r\\\x00\x1b\x7f\x85\xa0\u1680\u2000\u2028\u2029\u202f"
                              "\u3000\ufeff\u200b\u00e9\u0301A"))
TEXT = st.lists(TRICKY, max_size=8).map("".join) | st.text(max_size=8)


def agree(document: dict[str, Any]) -> None:
    try:
        RunManifest.model_validate_json(json.dumps(document))
        model = True
    except ValidationError:
        model = False
    assert SCHEMA.is_valid(document) == model, json.dumps(document, ensure_ascii=True)[:400]


@settings(max_examples=300, deadline=None)
@given(text=TEXT, where=st.sampled_from(["/model/id", "/device/kind", "/artifacts/3/path",
                                         "/run_id", "/dataset/version"]))
def test_models_and_schemas_agree_on_names_and_paths(manifest: dict[str, Any], text: str,
                                                     where: str) -> None:
    agree(set_at(json.loads(json.dumps(manifest)), where, text))


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_models_and_schemas_agree_on_package_names(manifest: dict[str, Any], text: str) -> None:
    document = json.loads(json.dumps(manifest))
    document["packages"] = {text: "1.0", "jax": text or "x"}
    agree(document)
