"""Strict JSON: every malformed document is a finding naming the file, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidence.findings import Code
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.validation.run import validate_run
from repo_paths import FIXTURES

CASES = {
    "empty.json": Code.JSON_EMPTY,
    "whitespace_only.json": Code.JSON_EMPTY,
    "nan_value.json": Code.JSON_NON_FINITE,
    "infinity_value.json": Code.JSON_NON_FINITE,
    "duplicate_key_top.json": Code.JSON_DUPLICATE_KEY,
    "duplicate_key_nested.json": Code.JSON_DUPLICATE_KEY,
    "truncated.json": Code.JSON_SYNTAX,
    "invalid_utf8.json": Code.JSON_INVALID_UTF8,
    "top_level_array.json": Code.JSON_NOT_OBJECT,
    "top_level_string.json": Code.JSON_NOT_OBJECT,
    "utf8_bom.json": Code.JSON_SYNTAX,
    "newer_schema_version.json": Code.SCHEMA_VERSION_UNSUPPORTED,
    "older_unknown_schema_version.json": Code.SCHEMA_VERSION,
    "schema_version_not_a_version.json": Code.SCHEMA_VERSION,
}


@pytest.mark.parametrize("document", ["run_manifest.json", "eval_summary.json"])
@pytest.mark.parametrize("fixture", sorted(CASES))
def test_malformed_document_is_a_finding(run_dir: Path, fixture: str, document: str) -> None:
    shutil.copyfile(FIXTURES / "json" / fixture, run_dir / document)
    report = validate_run(run_dir)
    assert not report.valid
    ours = [f for f in report.findings if f.file == document]
    assert ours and ours[0].code == CASES[fixture]


def test_duplicate_key_names_its_pointer() -> None:
    data = (FIXTURES / "json" / "duplicate_key_nested.json").read_bytes()
    with pytest.raises(StrictJsonError) as caught:
        loads_strict(data)
    assert caught.value.pointer == "/kaggle/kaggle_run_id"


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict(b'{\n"a": 1,\n"b": }\n')
    assert caught.value.code == Code.JSON_SYNTAX and caught.value.line == 3


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)
    assert caught.value.code == Code.FILE_TOO_LARGE


def test_deep_nesting_is_a_finding_not_a_crash() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert caught.value.code == Code.JSON_SYNTAX
