"""Every committed JSON Schema checks the example documents with `check-jsonschema`, the tool
another project would use, so the schemas serve people who never install evidence."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging_support import M36, REPO

from evidence.attest import attest_run_directory
from evidence.jsonio import dump_model
from evidence.models.lock import LOCK_FILE
from evidence.packaging.package import package_run
from runbuilder import build_run

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def check(schema: Path, documents: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(schema),
                           *map(str, documents)], capture_output=True, text=True, check=False)


def _prediction_rows(run: Path, out: Path) -> list[Path]:
    """check-jsonschema reads JSON documents, not JSON Lines: one file per row, bytes as-is."""
    rows = []
    for number, line in enumerate((run / "predictions.jsonl").read_bytes().splitlines(), 1):
        rows.append(out / f"prediction-{number}.json")
        rows[-1].write_bytes(line)
    return rows


def _lock(run: Path, out: Path) -> list[Path]:
    archive = package_run(run, out / "run.zip").archive
    assert archive is not None
    with zipfile.ZipFile(archive) as opened:
        (out / LOCK_FILE).write_bytes(opened.read(LOCK_FILE))
    return [out / LOCK_FILE]


def _statement(run: Path, out: Path) -> list[Path]:
    statement = attest_run_directory(run).statement
    assert statement is not None
    (out / "run.intoto.json").write_bytes(dump_model(statement))
    return [out / "run.intoto.json"]


def _predicate(run: Path, out: Path) -> list[Path]:
    statement = attest_run_directory(run).statement
    assert statement is not None
    (out / "predicate.json").write_bytes(dump_model(statement.predicate))
    return [out / "predicate.json"]


# Schema file -> the example documents it must accept: from a run built by tests/runbuilder.py,
# and the milestone's template where there is one.
EXAMPLES: dict[str, Callable[[Path, Path], list[Path]]] = {
    "run_manifest-1.0.schema.json": lambda run, out: [run / "run_manifest.json",
                                                      M36 / "run_manifest.json"],
    "eval_summary-1.0.schema.json": lambda run, out: [run / "eval_summary.json",
                                                      M36 / "eval_summary.json"],
    "prediction-1.0.schema.json": _prediction_rows,
    "evidence_lock-1.0.schema.json": _lock,
    "attestation-1.0.schema.json": _statement,
    "attestation_predicate-1.0.schema.json": _predicate,
}
COMMITTED = sorted(path.name for path in (REPO / "schemas").glob("*.schema.json"))


def test_every_committed_schema_has_examples() -> None:
    missing = set(COMMITTED) - EXAMPLES.keys()
    assert not missing, f"add example documents for {sorted(missing)} to EXAMPLES"


@pytest.mark.parametrize("schema", sorted(set(COMMITTED) & EXAMPLES.keys()))
def test_check_jsonschema_accepts_the_examples(schema: str, tmp_path: Path) -> None:
    documents = EXAMPLES[schema](build_run(tmp_path / "run"), tmp_path)
    result = check(REPO / "schemas" / schema, documents)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("schema", "document", "text"), [
    ("run_manifest-1.0.schema.json", "run_manifest.json", ('"steps": 2', '"steps": "2"')),
    ("eval_summary-1.0.schema.json", "eval_summary.json", ('"n_items": 6', '"n_items": -6')),
])
def test_check_jsonschema_rejects_a_broken_document(schema: str, document: str,
                                                    text: tuple[str, str], tmp_path: Path) -> None:
    run = build_run(tmp_path / "run")
    content = (run / document).read_text()
    assert text[0] in content
    (run / document).write_text(content.replace(text[0], text[1], 1))
    result = check(REPO / "schemas" / schema, [run / document])
    assert result.returncode == 1, result.stdout


def test_check_jsonschema_rejects_a_lock_path_leaving_the_run(tmp_path: Path) -> None:
    [lock] = _lock(build_run(tmp_path / "run"), tmp_path)
    lock.write_text(lock.read_text().replace('"path": "eval_summary.json"',
                                             '"path": "../eval_summary.json"'))
    result = check(REPO / "schemas" / "evidence_lock-1.0.schema.json", [lock])
    assert result.returncode == 1, result.stdout
