"""`evidence migrate`: v1 to v2 keeps every v1 value and adds the v2 fields (placeholders where
1.0 proves nothing), the migrated milestone template lists the same holes plus the new ones,
the rewrite is atomic, a current manifest is left alone and a newer one is refused."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence import Code, validate_run
from evidence.cli import main
from evidence.io.digest import describe_artifact
from evidence.migrate import MigrationError, migrate_document, migrate_run, v1_to_v2
from evidence.models.manifest import RunManifest, RunManifestV1
from evidence.models.types import is_placeholder
from evidence.packaging.package import package_run
from evidence.packaging.verify import verify_archive
from evidence.validation.checks.known_datasets import KNOWN_DATASETS
from repo_paths import REPO
from runbuilder import build_run, protocol_lines

M36 = REPO / "submission_runs" / "m36_v1"
ADDED = ["training", "checkpoint", "kaggle_session", "dataset_source"]
FILLABLE_V1 = ["run_id", "mode", "model", "config", "smoke_config", "dataset", "git", "packages",
               "device", "timings", "artifacts", "steps"]
SHIPPED_SHA, SHIPPED_TRAIN, SHIPPED_EVAL = KNOWN_DATASETS["dev-reasoning-v2", "2.0.0"]


def manifest_of(run: Path) -> dict[str, Any]:
    return dict(json.loads((run / "run_manifest.json").read_text()))


def findings(run: Path, **options: Any) -> list[tuple[str, str, str | None]]:
    return [(f.file, str(f.code), f.pointer) for f in validate_run(run, **options).findings]


@pytest.fixture(scope="module")
def v1_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return manifest_of(build_run(tmp_path_factory.mktemp("v1") / "run", version="1.0"))


# --- the step as a plain function -----------------------------------------------------------

def _variant(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A 1.0 manifest: some fields placeholders (a template), the shipped data set or not, times
    in another zone, no checkpoint or two."""
    changed = copy.deepcopy(document)
    if data.draw(st.booleans(), "shipped"):
        changed["dataset"] = {"name": "dev-reasoning-v2", "version": "2.0.0",
                              "sha256": SHIPPED_SHA, "train_items": SHIPPED_TRAIN,
                              "eval_items": len(SHIPPED_EVAL)}
    if data.draw(st.booleans(), "zone"):
        changed["timings"]["started_at"] = "2026-11-25T10:00:00+01:00"
    artifacts = data.draw(st.sampled_from(["as built", "no checkpoint", "two checkpoints"]))
    if artifacts == "no checkpoint":
        changed["artifacts"] = changed["artifacts"][:3]
    elif artifacts == "two checkpoints":
        changed["artifacts"].append(dict(changed["artifacts"][3],
                                         path="step-1/flax_model.msgpack"))
    for name in data.draw(st.sets(st.sampled_from(FILLABLE_V1)), "placeholders"):
        changed[name] = f"<FILL: {name}>"
    return changed


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_v1_to_v2_keeps_every_v1_value_and_adds_the_v2_fields(
        v1_document: dict[str, Any], data: st.DataObject) -> None:
    document = _variant(v1_document, data)
    RunManifestV1.model_validate_json(json.dumps(document))
    before = copy.deepcopy(document)
    migrated = v1_to_v2(document)
    assert document == before  # the input is left as it was
    assert list(migrated) == [*document, *ADDED]
    assert {key: value for key, value in migrated.items() if key not in ADDED} == \
        {**document, "schema_version": "2.0"}
    RunManifest.model_validate_json(json.dumps(migrated))
    assert is_placeholder(migrated["training"]) and is_placeholder(migrated["kaggle_session"])
    shipped = isinstance(document["dataset"], dict) and \
        document["dataset"]["sha256"] == SHIPPED_SHA
    assert (migrated["dataset_source"] == {"kind": "shipped", "name": "dev-reasoning-v2",
                                           "path": None, "sha256": SHIPPED_SHA}) == shipped
    one_checkpoint = isinstance(document["artifacts"], list) and len(
        [a for a in document["artifacts"] if a["path"].endswith("flax_model.msgpack")]) == 1
    assert (migrated["checkpoint"] == {"format": "flax_msgpack", "path": "checkpoint",
                                       "contents": "full"}) == one_checkpoint
    assert is_placeholder(migrated["checkpoint"]) == (not one_checkpoint)


def test_the_chain_says_which_steps_ran(v1_document: dict[str, Any]) -> None:
    migrated, applied = migrate_document(v1_document)
    assert [str(step.step) for step in applied] == ["1.0 -> 2.0"]
    assert [addition.field for addition in applied[0].additions] == ADDED
    again, none = migrate_document(migrated)
    assert again == migrated and none == []


@pytest.mark.parametrize(("version", "code"), [("2.1", Code.SCHEMA_VERSION_UNSUPPORTED),
                                               ("3.0", Code.SCHEMA_VERSION_UNSUPPORTED),
                                               ("0.9", Code.SCHEMA_VERSION),
                                               (None, Code.SCHEMA_VERSION)])
def test_a_version_this_evidence_does_not_know_is_never_migrated(
        v1_document: dict[str, Any], version: str | None, code: Code) -> None:
    with pytest.raises(MigrationError) as raised:
        migrate_document({**v1_document, "schema_version": version})
    assert raised.value.finding.code is code
    assert raised.value.finding.pointer == "/schema_version"


# --- a run directory ------------------------------------------------------------------------

def test_the_migrated_milestone_template_lists_the_same_holes_plus_the_new(
        tmp_path: Path) -> None:
    run = shutil.copytree(M36, tmp_path / "m36_v1")
    before = findings(run)
    migration = migrate_run(run)
    assert migration.written and migration.findings == []
    after = findings(run)
    new = [("run_manifest.json", "template_unfilled", f"/{name}") for name in ADDED]
    assert sorted(after) == sorted(before + new)
    # nothing of the template proves a v2 value: a placeholder each
    assert migration.still_missing[-4:] == [f"/{name}" for name in ADDED]
    assert (M36 / "run_manifest.json").read_text().count("<FILL:") == 13  # the original


def test_a_complete_v1_run_keeps_its_log_and_artifacts_vouching_for_it(tmp_path: Path) -> None:
    """The log states every 1.0 field (schema_version 1.0 too); after migrating, only the
    fields 1.0 cannot know are open, and nothing contradicts the log or the digests."""
    run = build_run(tmp_path / "run", version="1.0")
    (run / "kaggle_output_log.txt").write_text("\n".join(protocol_lines(run)) + "\n")
    manifest = manifest_of(run)
    manifest["artifacts"][2] = describe_artifact(run, "kaggle_output_log.txt").model_dump()
    (run / "run_manifest.json").write_text(json.dumps(manifest, indent=2))
    assert findings(run) == []
    assert migrate_run(run).written
    assert findings(run) == [("run_manifest.json", "template_unfilled", f"/{name}")
                             for name in ("training", "kaggle_session", "dataset_source")]
    assert findings(run, allow_template=True) == []
    # and a field changed after the migration contradicts the log as before
    manifest = manifest_of(run)
    manifest["model"]["dtype"] = "bfloat16"
    (run / "run_manifest.json").write_text(json.dumps(manifest, indent=2))
    assert ("run_manifest.json", "kaggle_log_mismatch", "/model/dtype") in \
        findings(run, allow_template=True)


def test_a_current_manifest_is_left_as_it_is(run_dir: Path, capsys: Any) -> None:
    before = (run_dir / "run_manifest.json").read_bytes()
    migration = migrate_run(run_dir)
    assert not migration.applied and not migration.written and migration.findings == []
    assert main(["migrate", str(run_dir)]) == 0
    assert "2.0 already: nothing to migrate" in capsys.readouterr().out
    assert (run_dir / "run_manifest.json").read_bytes() == before


@pytest.mark.parametrize("version", ["2.1", "3.0"])
def test_a_newer_manifest_is_refused_with_what_to_do(tmp_path: Path, version: str,
                                                     capsys: Any) -> None:
    run = build_run(tmp_path / "run")
    path = run / "run_manifest.json"
    path.write_text(path.read_text().replace('"schema_version": "2.0"',
                                             f'"schema_version": "{version}"'))
    before = path.read_bytes()
    assert main(["migrate", str(run)]) == 1
    err = capsys.readouterr().err
    assert "schema_version_unsupported" in err and f"'{version}'" in err
    assert "1.0, 2.0" in err and "upgrade evidence" in err and "nothing was written" in err
    assert path.read_bytes() == before
    # validate refuses it the same way, in one finding
    assert findings(run) == [("run_manifest.json", "schema_version_unsupported",
                              "/schema_version")]


def test_a_newer_eval_summary_is_refused_too(run_dir: Path) -> None:
    path = run_dir / "eval_summary.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "schema_version": "1.1"}))
    assert ("eval_summary.json", "schema_version_unsupported", "/schema_version") in \
        findings(run_dir)


def test_an_invalid_v1_manifest_is_refused_not_migrated(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run", version="1.0")
    path = run / "run_manifest.json"
    path.write_text(path.read_text().replace('"steps": 2', '"steps": "2"'))
    before = path.read_bytes()
    migration = migrate_run(run)
    assert [(f.code, f.pointer) for f in migration.findings] == [(Code.SCHEMA_TYPE, "/steps")]
    assert not migration.written and path.read_bytes() == before


def test_a_dry_run_writes_nothing_and_shows_the_result(tmp_path: Path, capsys: Any) -> None:
    run = build_run(tmp_path / "run", version="1.0")
    before = (run / "run_manifest.json").read_bytes()
    assert main(["migrate", "--dry-run", "--json", str(run)]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["dry_run"] and not result["written"] and result["steps"] == ["1.0 -> 2.0"]
    assert result["document"] == v1_to_v2(json.loads(before))
    assert [(a["pointer"], a["inferred"]) for a in result["added"]] == [
        ("/training", False), ("/checkpoint", True), ("/kaggle_session", False),
        ("/dataset_source", False)]
    assert (run / "run_manifest.json").read_bytes() == before


@pytest.mark.parametrize("failing", ["os.replace", "os.fsync"])
def test_a_failure_mid_write_leaves_the_original(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 failing: str) -> None:
    run = build_run(tmp_path / "run", version="1.0")
    before = sorted(os.listdir(run)), (run / "run_manifest.json").read_bytes()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(failing, broken)
    with pytest.raises(OSError):
        migrate_run(run)
    monkeypatch.undo()
    assert (sorted(os.listdir(run)), (run / "run_manifest.json").read_bytes()) == before
    assert main(["migrate", str(run)]) == 0  # and the migration can simply run again
    assert manifest_of(run)["schema_version"] == "2.0"


def test_an_io_error_is_exit_2_not_a_traceback(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: Any) -> None:
    run = build_run(tmp_path / "run", version="1.0")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken)
    assert main(["migrate", str(run)]) == 2
    assert "No space left on device" in capsys.readouterr().err


def test_a_packaged_run_is_told_to_package_again(tmp_path: Path, capsys: Any) -> None:
    run = build_run(tmp_path / "run", version="1.0")
    packaged = package_run(run)
    assert packaged.archive is not None and packaged.lock is not None
    assert packaged.lock.schema_versions["run_manifest"] == "1.0"
    assert verify_archive(packaged.archive).findings == []  # a 1.0 archive still verifies
    assert main(["migrate", str(run)]) == 0
    assert f"{packaged.archive} was packaged before the migration" in capsys.readouterr().out
    repackaged = package_run(run, tmp_path / "again.zip")
    assert repackaged.findings == [] or all(f.code is Code.TEMPLATE_UNFILLED
                                            for f in repackaged.findings)


def test_usage_errors(tmp_path: Path, capsys: Any) -> None:
    assert main(["migrate", str(tmp_path / "no-such-run")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["migrate", str(tmp_path / "empty")]) == 1  # no manifest: a finding
    assert "file_missing" in capsys.readouterr().err
