"""Fill works in the version of the template: a 2.0 template (from `evidence init` or a
migration) takes a 1.0 trainer's log and keeps the 2.0 fields open; a 1.0 template refuses a 2.0
log and says to migrate first; the v2 fields are stated and filled like any other."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from evidence.filling import FillError, plan_fill, write_fill
from evidence.filling.templates import write_template
from evidence.findings import Code
from evidence.migrate import migrate_run
from evidence.validation.run import validate_run
from runbuilder import build_run, protocol_lines

sys.path.insert(0, str(Path(__file__).parents[1] / "fill"))

from fillkit import downloaded_template
from logforms import stdout_of

ADDED = ["/training", "/checkpoint", "/kaggle_session", "/dataset_source"]


def log_of(run: Path, path: Path) -> Path:
    path.write_text(stdout_of(protocol_lines(run)))
    return path


def test_a_2_0_log_fills_the_v2_fields_of_a_fresh_template(tmp_path: Path) -> None:
    outputs = build_run(tmp_path / "outputs", eligible=True)
    template = downloaded_template(outputs, tmp_path / "run")
    plan = plan_fill(template, log_of(outputs, tmp_path / "log.txt"))
    filled = {change.pointer for change in plan.changes}
    assert set(ADDED) <= filled
    write_fill(plan)
    manifest = json.loads((template / "run_manifest.json").read_text())
    assert manifest["training"]["library"] == "tunix"
    assert manifest["checkpoint"] == {"format": "orbax", "path": "checkpoint",
                                      "contents": "lora_adapter"}
    assert validate_run(template).findings == []


def test_a_1_0_log_fills_a_migrated_template_and_leaves_the_v2_fields_open(
        tmp_path: Path) -> None:
    outputs = build_run(tmp_path / "outputs", version="1.0")
    log = log_of(outputs, tmp_path / "log.txt")
    template = tmp_path / "run"
    write_template(template)  # a 2.0 template, as `evidence init` writes it
    for name in ("predictions.jsonl", "checkpoint"):
        source = outputs / name
        if source.is_dir():
            shutil.copytree(source, template / name)
        else:
            shutil.copyfile(source, template / name)
    plan = plan_fill(template, log)
    assert plan.refusal() is None
    write_fill(plan)
    manifest = json.loads((template / "run_manifest.json").read_text())
    assert manifest["schema_version"] == "2.0" and manifest["run_id"] == "run-20261125-smoke"
    report = validate_run(template)
    assert [(f.code, f.pointer) for f in report.findings] == [
        (Code.TEMPLATE_UNFILLED, at) for at in ADDED]


def test_a_2_0_log_into_a_1_0_template_says_to_migrate_first(tmp_path: Path) -> None:
    outputs = build_run(tmp_path / "outputs")
    log = log_of(outputs, tmp_path / "log.txt")
    template = shutil.copytree(Path(__file__).parents[2] / "submission_runs" / "m36_v1",
                               tmp_path / "m36")
    with pytest.raises(FillError) as raised:
        plan_fill(template, log)
    [finding] = raised.value.findings
    assert finding.code is Code.SCHEMA_VERSION and finding.pointer == "/schema_version"
    assert "evidence migrate RUN_DIR" in finding.message
    assert migrate_run(template).written
    plan_fill(template, log)  # migrated, the log is read (and contradicts the template's model)


def test_a_log_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    outputs = build_run(tmp_path / "outputs")
    lines = [line.replace('"value":"2.0"', '"value":"2.1"') for line in protocol_lines(outputs)]
    log = tmp_path / "log.txt"
    log.write_text(stdout_of(lines))
    template = downloaded_template(outputs, tmp_path / "run")
    with pytest.raises(FillError) as raised:
        plan_fill(template, log)
    assert [f.code for f in raised.value.findings] == [Code.SCHEMA_VERSION_UNSUPPORTED]
