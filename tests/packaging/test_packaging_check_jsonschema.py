"""Every committed JSON Schema checks the example documents with `check-jsonschema`, the tool
another project would use, so the schemas serve people who never install evidence: the template
schemas accept the milestone's template, the submission schemas refuse it, and the commands
docs/packaging.md gives work as written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from packaging_support import M36, REPO

from evidence.compare import CompareOptions, compare_paths
from evidence.io.atomic import dump_model
from evidence.models.lock import LOCK_FILE
from evidence.packaging.attest import attest_run_directory
from evidence.packaging.package import package_run
from evidence.scoring.grader import grade
from runbuilder import build_run, sample_predictions

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
FIXTURES = REPO / "tests" / "fixtures" / "schemas"
SCHEMAS = REPO / "schemas"


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


def _comparison(run: Path, out: Path) -> list[Path]:
    """The baseline `run` against a candidate that fixes its second item."""
    rows = sample_predictions()
    fixed = "<reasoning>6*7</reasoning><answer>42</answer>"
    graded = grade(fixed, rows[1].reference_answer)
    rows[1] = rows[1].model_copy(update={"response": fixed, "correct": graded.correct,
                                         "extracted_answer": graded.extracted_answer})
    candidate = build_run(out / "candidate", rows)
    outcome = compare_paths(run, candidate, CompareOptions(resamples=100))
    assert outcome.ok and outcome.result["overall"]["fixed"] == 1, outcome.findings
    (out / "comparison.json").write_bytes(orjson.dumps(outcome.result))
    return [out / "comparison.json"]


# Schema file -> the example documents it must accept: from a run built by tests/runbuilder.py,
# and the milestone's template where there is one.
def _v1_manifest(out: Path) -> Path:
    return build_run(out / "v1", version="1.0") / "run_manifest.json"


def _v2_manifests(run: Path, out: Path) -> list[Path]:
    """The smoke run's 2.0 manifest, and the eligible LoRA run's (Tunix, orbax)."""
    return [run / "run_manifest.json",
            build_run(out / "lora", eligible=True) / "run_manifest.json"]


def _migrated_m36(out: Path) -> Path:
    """The milestone's 1.0 template, migrated to 2.0 (still a template)."""
    from evidence.migrate import migrate_run

    shutil.copytree(M36, out / "m36")
    assert migrate_run(out / "m36").written
    return out / "m36" / "run_manifest.json"


EXAMPLES: dict[str, Callable[[Path, Path], list[Path]]] = {
    "run_manifest-1.0.schema.json": lambda run, out: [_v1_manifest(out),
                                                      M36 / "run_manifest.json"],
    "run_manifest-2.0.schema.json": lambda run, out: [*_v2_manifests(run, out),
                                                      _migrated_m36(out)],
    "eval_summary-1.0.schema.json": lambda run, out: [run / "eval_summary.json",
                                                      M36 / "eval_summary.json"],
    "run_manifest-1.0.submission.schema.json": lambda run, out: [_v1_manifest(out)],
    "run_manifest-2.0.submission.schema.json": _v2_manifests,
    "eval_summary-1.0.submission.schema.json": lambda run, out: [run / "eval_summary.json"],
    "prediction-1.0.schema.json": _prediction_rows,
    "evidence_lock-1.0.schema.json": _lock,
    "attestation-1.0.schema.json": _statement,
    "attestation_predicate-1.0.schema.json": _predicate,
    "comparison-1.0.schema.json": _comparison,
}
COMMITTED = sorted(path.name for path in SCHEMAS.glob("*.schema.json"))


def test_every_committed_schema_has_examples() -> None:
    missing = set(COMMITTED) - EXAMPLES.keys()
    assert not missing, f"add example documents for {sorted(missing)} to EXAMPLES"


@pytest.mark.parametrize("schema", sorted(set(COMMITTED) & EXAMPLES.keys()))
def test_check_jsonschema_accepts_the_examples(schema: str, tmp_path: Path) -> None:
    documents = EXAMPLES[schema](build_run(tmp_path / "run"), tmp_path)
    result = check(REPO / "schemas" / schema, documents)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("schema", "document", "text"), [
    ("run_manifest-2.0.schema.json", "run_manifest.json", ('"steps": 2', '"steps": "2"')),
    ("run_manifest-2.0.schema.json", "run_manifest.json",
     ('"rank": null', '"rank": 8')),
    ("run_manifest-2.0.submission.schema.json", "run_manifest.json",
     ('"kind": "file"', '"kind": "shipped"')),
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


@pytest.mark.parametrize("document", ["run_manifest", "eval_summary"])
def test_the_template_passes_the_template_schema_and_fails_the_submission_schema(
        document: str) -> None:
    """The m36_v1 template: what `evidence validate --allow-template` accepts and `evidence
    validate` refuses, the two schemas tell apart the same way."""
    instance = M36 / f"{document}.json"
    tolerant = check(SCHEMAS / f"{document}-1.0.schema.json", [instance])
    assert tolerant.returncode == 0, tolerant.stdout + tolerant.stderr
    strict = check(SCHEMAS / f"{document}-1.0.submission.schema.json", [instance])
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert f"{instance}::$.run_id: '<FILL: run_id>'" in strict.stdout


def test_a_placeholder_where_no_field_is_fillable_fails_only_the_submission_schema() -> None:
    """A hand-written template with `"id": "<FILL: model.id>"`: any name passes the model's
    field, so the template schema accepts it; the submission schema refuses it, as `evidence
    validate` reports it as unfilled."""
    instance = FIXTURES / "run_manifest_placeholder_in_model_id.json"
    assert check(SCHEMAS / "run_manifest-1.0.schema.json", [instance]).returncode == 0
    strict = check(SCHEMAS / "run_manifest-1.0.submission.schema.json", [instance])
    assert strict.returncode == 1, strict.stdout
    assert "$.model.id: '<FILL: model.id>'" in strict.stdout


def documented_bash(doc: Path, first_line: str) -> str:
    """The ```bash block of `doc` that starts with `first_line`, as written."""
    blocks = [block.split("```", 1)[0] for block in doc.read_text().split("```bash\n")[1:]]
    [block] = [block for block in blocks if block.startswith(first_line)]
    return block


def run_documented_rows_check(run_dir: Path, demo: Path) -> subprocess.CompletedProcess[str]:
    """docs/packaging.md's predictions.jsonl commands, run from the repository root as written,
    with /tmp/demo moved to a test directory (the docs' demo run lives in /tmp/demo/run)."""
    block = documented_bash(REPO / "docs" / "packaging.md", "rm -rf /tmp/demo/rows")
    if run_dir != demo / "run":
        shutil.copytree(run_dir, demo / "run")
    env = {**os.environ, "PATH": f"{CHECK_JSONSCHEMA.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c",
                           block.replace("/tmp/demo", str(demo))],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_the_documented_rows_command_accepts_a_valid_run(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run")
    result = run_documented_rows_check(run, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = sorted(path.name for path in (tmp_path / "rows").iterdir())
    lines = (run / "predictions.jsonl").read_bytes().splitlines()
    assert rows == [f"row-{number:06d}.json" for number in range(1, len(lines) + 1)]
    assert [(tmp_path / "rows" / row).read_bytes().rstrip(b"\n") for row in rows] == lines


def test_the_documented_rows_command_names_the_broken_row(tmp_path: Path) -> None:
    run = build_run(tmp_path / "source")
    shutil.copy(FIXTURES / "predictions_row_2_correct_is_a_string.jsonl",
                run / "predictions.jsonl")
    result = run_documented_rows_check(run, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{tmp_path}/rows/row-000002.json::$.correct: 'false' is not of type 'boolean'" in (
        result.stdout)
    assert "row-000001.json" not in result.stdout and "row-000003.json" not in result.stdout
