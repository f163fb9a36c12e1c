"""evidence fill: a template filled from any form of one run's log gives the same valid evidence;
conflicts change nothing; a second fill changes nothing; bad input is a clear error."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from fillkit import FIXTURE_LOGS, downloaded_template, snapshot
from logforms import kaggle_entries, kaggle_log, notebook, plain_log, stdout_of

from evidence.cli import main
from evidence.filling import FillError, plan_fill, write_fill
from evidence.filling.templates import LOG_FILE
from evidence.logs.protocol import format_line
from evidence.models.manifest import MANIFEST_FILE
from evidence.validation.run import validate_run
from runbuilder import KAGGLE, RUN_ID, protocol_lines

pytest_plugins = ("fill_fixtures",)

Capture = pytest.CaptureFixture[str]


def write_log_forms(stdout: str, directory: Path, seed: int = 0) -> dict[str, Path]:
    """The same stdout as each log form, under names that do not give the form away."""
    rng = random.Random(seed)
    forms = {"kaggle": kaggle_log(kaggle_entries(stdout, rng)),
             "plain": plain_log(stdout), "notebook": notebook(stdout, rng)}
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in forms.items():
        (directory / f"{name}.log").write_bytes(data)
    return {name: directory / f"{name}.log" for name in forms}


def without_log_digest(manifest: bytes) -> dict[str, object]:
    """The manifest less the recorded log's digest and size, which differ between forms (the
    log is kept as given, so its bytes prove it)."""
    raw = json.loads(manifest)
    for artifact in raw["artifacts"]:
        if artifact["path"] == LOG_FILE:
            artifact["sha256"] = artifact["size_bytes"] = "(the log's own)"
    return raw


def fill(*args: str | Path) -> int:
    return main(["fill", *(str(arg) for arg in args)])


def test_every_log_form_fills_the_same_valid_evidence(tmp_path: Path, outputs: Path,
                                                      capsys: Capture) -> None:
    logs = write_log_forms(stdout_of(protocol_lines(outputs)), tmp_path / "logs")
    filled = {}
    for name, log in logs.items():
        run_dir = downloaded_template(outputs, tmp_path / name)
        assert fill("--from-log", log, run_dir) == 0, capsys.readouterr()
        assert validate_run(run_dir).findings == []
        assert (run_dir / LOG_FILE).read_bytes() == log.read_bytes()
        filled[name] = snapshot(run_dir)
    kaggle, plain, nb = filled.values()
    for other in (plain, nb):
        assert other["eval_summary.json"] == kaggle["eval_summary.json"]
        assert without_log_digest(other[MANIFEST_FILE]) == \
            without_log_digest(kaggle[MANIFEST_FILE])
    # The scorecard the log states is byte for byte the one the trainer wrote.
    assert kaggle["eval_summary.json"] == (outputs / "eval_summary.json").read_bytes()


@pytest.fixture
def log(tmp_path: Path, outputs: Path) -> Path:
    path = tmp_path / "console.txt"
    path.write_text(stdout_of(protocol_lines(outputs)))
    return path


def test_filling_twice_changes_nothing_the_second_time(template: Path, log: Path,
                                                        capsys: Capture) -> None:
    assert fill("--from-log", log, template) == 0
    before = {path: path.stat().st_mtime_ns for path in template.rglob("*")}
    first = snapshot(template)
    capsys.readouterr()
    assert fill("--from-log", log, template) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert snapshot(template) == first
    assert {path: path.stat().st_mtime_ns for path in template.rglob("*")} == before


def test_dry_run_prints_each_change_and_writes_nothing(template: Path, log: Path,
                                                       capsys: Capture) -> None:
    before = snapshot(template)
    assert fill("--from-log", log, template, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f'/run_id: "<FILL: run_id>" -> "{RUN_ID}"' in out
    assert "/kaggle/kaggle_run_id" in out and "dry run: nothing written" in out
    assert snapshot(template) == before


def _manifest(run_dir: Path) -> dict[str, object]:
    raw: dict[str, object] = json.loads((run_dir / MANIFEST_FILE).read_bytes())
    return raw


def test_conflicts_are_all_listed_and_change_nothing(template: Path, log: Path,
                                                     capsys: Capture) -> None:
    assert fill("--from-log", log, template) == 0
    manifest = _manifest(template)
    manifest["run_id"], manifest["steps"] = "another-run", 99
    (template / MANIFEST_FILE).write_text(json.dumps(manifest))
    before = snapshot(template)
    capsys.readouterr()
    assert fill("--from-log", log, template) == 1
    err = capsys.readouterr().err
    assert "/run_id" in err and "/steps" in err and "fill_conflict" in err
    assert "nothing was written" in err
    assert snapshot(template) == before


def test_force_takes_the_log_values(template: Path, log: Path) -> None:
    assert fill("--from-log", log, template) == 0
    manifest = _manifest(template)
    manifest["steps"] = 99
    (template / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert fill("--from-log", log, template, "--force") == 0
    assert _manifest(template)["steps"] == 2
    assert validate_run(template).findings == []


def test_a_different_recorded_log_is_a_conflict(template: Path, log: Path,
                                                capsys: Capture) -> None:
    (template / LOG_FILE).write_text("someone else's log\n")
    assert fill("--from-log", log, template) == 1
    assert "holds a different log" in capsys.readouterr().err
    assert (template / LOG_FILE).read_text() == "someone else's log\n"


def test_kaggle_options_fill_what_the_log_cannot_know(template: Path, tmp_path: Path,
                                                      outputs: Path, capsys: Capture) -> None:
    lines = [line for line in protocol_lines(outputs) if '"/kaggle"' not in line]
    log = tmp_path / "no-kaggle.txt"
    log.write_text(stdout_of(lines))
    assert fill("--from-log", log, template) == 0
    out = capsys.readouterr().out
    assert "/kaggle/kaggle_notebook_url  (give --kaggle-url)" in out
    assert fill("--from-log", log, template, "--kaggle-url", KAGGLE.kaggle_notebook_url,
                "--kaggle-version", "7", "--kaggle-run-id", "212345678") == 0
    assert validate_run(template).findings == []


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--kaggle-url", "https://kaggle.com/alice/x", "should match pattern"),
    ("--kaggle-version", "0", "greater than or equal to 1"),
    ("--kaggle-version", "7.0", "valid integer"),
    ("--kaggle-run-id", "abc", "Invalid JSON"),
])
def test_bad_kaggle_options_are_usage_errors(template: Path, log: Path, option: str,
                                             value: str, says: str, capsys: Capture) -> None:
    before = snapshot(template)
    assert fill("--from-log", log, template, option, value) == 2
    err = capsys.readouterr().err
    assert option in err and says in err
    assert snapshot(template) == before


def test_an_option_that_contradicts_the_log_is_an_error(template: Path, log: Path,
                                                        capsys: Capture) -> None:
    assert fill("--from-log", log, template, "--kaggle-version", "8") == 1
    err = capsys.readouterr().err
    assert "log_contradiction" in err and "--kaggle-version" in err


@pytest.mark.parametrize(("name", "code", "says"), [
    ("plain_no_evidence.txt", "log_no_evidence", "no evidence found"),
    ("binary_garbage.bin", "log_no_evidence", "no evidence found"),
    ("kaggle_empty_array.json", "log_no_evidence", "Kaggle JSON log has no evidence"),
    ("plain_protocol_version_2.txt", "log_evidence_unreadable", "version '2'"),
    ("plain_unknown_field.txt", "log_unknown_field", "/kaggle/notebook_slug"),
    ("plain_two_runs.txt", "log_contradiction", "a log must hold one run"),
    ("plain_field_inside_placeholder.txt", "log_unknown_field", "must state /model whole"),
    ("plain_wrong_value_type.txt", "schema_type", "stated at line 2 of"),
    ("kaggle_truncated_array.json", "log_malformed", "truncated"),
    ("notebook_truncated.json", "log_malformed", "not a readable notebook"),
])
def test_unusable_logs_are_clear_errors_that_change_nothing(
        template: Path, name: str, code: str, says: str, capsys: Capture) -> None:
    before = snapshot(template)
    assert fill("--from-log", FIXTURE_LOGS / name, template) == 1
    err = capsys.readouterr().err
    assert code in err and says in err and "Traceback" not in err
    assert snapshot(template) == before


def test_usage_errors_exit_2(tmp_path: Path, log: Path, capsys: Capture) -> None:
    assert fill("--from-log", tmp_path / "nope.txt", tmp_path) == 2
    assert fill("--from-log", log, tmp_path / "no-run") == 2
    assert "evidence init" in capsys.readouterr().err


def test_a_directory_without_a_template_says_to_init_one(tmp_path: Path, log: Path,
                                                         capsys: Capture) -> None:
    (tmp_path / "empty").mkdir()
    assert fill("--from-log", log, tmp_path / "empty") == 1
    assert "evidence init" in capsys.readouterr().err


def test_init_writes_a_template_and_refuses_to_overwrite(tmp_path: Path,
                                                         capsys: Capture) -> None:
    assert main(["init", str(tmp_path / "run")]) == 0
    report = validate_run(tmp_path / "run", allow_template=True)
    assert report.valid and report.placeholders == 26  # 2.0: training, checkpoint, ...
    assert "smoke_config" in (tmp_path / "run" / MANIFEST_FILE).read_text()
    assert main(["init", str(tmp_path / "run")]) == 2
    assert "exists" in capsys.readouterr().err


def test_filling_the_milestone_template_from_a_full_run(tmp_path: Path, log: Path,
                                                        capsys: Capture) -> None:
    """m36_v1 is a 1.0 template, the log a 2.0 run's: fill says to migrate the template first.
    Migrated, it names Gemma 2B: a smoke run's log contradicts it, and fill says so."""
    from evidence.migrate import migrate_run

    run_dir = tmp_path / "m36_v1"
    shutil.copytree(Path(__file__).parents[2] / "submission_runs" / "m36_v1", run_dir)
    assert fill("--from-log", log, run_dir, "--dry-run") == 1
    err = capsys.readouterr().err
    assert "evidence migrate RUN_DIR" in err and "schema_version '2.0'" in err
    assert migrate_run(run_dir).written
    assert fill("--from-log", log, run_dir, "--dry-run") == 1
    err = capsys.readouterr().err
    assert "/model/id" in err and "/smoke_config" in err


def test_validate_reads_a_kaggle_json_log_recorded_as_the_run_log(run_dir: Path) -> None:
    entries = [{"stream_name": "stdout", "time": 1.0,
                "data": format_line("run_manifest", "/run_id", "other-run") + "\n"}]
    (run_dir / LOG_FILE).write_bytes(kaggle_log(entries))
    codes = {(f.code, f.pointer) for f in validate_run(run_dir).findings}
    assert ("kaggle_log_mismatch", "/run_id") in codes


def test_filling_the_trainers_own_output_records_the_log(outputs: Path, log: Path,
                                                         capsys: Capture) -> None:
    """The trainer's directory is complete but for its console log: fill adds the log and puts
    its entry in the artifact list (in place of a stale one), and changes nothing else."""
    (outputs / LOG_FILE).unlink()
    summary = (outputs / "eval_summary.json").read_bytes()
    assert fill("--from-log", log, outputs) == 0
    assert "/artifacts/2: {" in capsys.readouterr().out
    assert (outputs / "eval_summary.json").read_bytes() == summary
    assert validate_run(outputs).findings == []


def test_a_plan_with_conflicts_is_not_written_unless_forced(template: Path, log: Path) -> None:
    assert fill("--from-log", log, template) == 0
    manifest = _manifest(template)
    manifest["steps"] = 99
    (template / MANIFEST_FILE).write_text(json.dumps(manifest))
    plan = plan_fill(template, log)
    before = snapshot(template)
    with pytest.raises(FillError) as raised:
        write_fill(plan)
    assert [finding.pointer for finding in raised.value.findings] == ["/steps"]
    assert snapshot(template) == before
    assert write_fill(plan, force=True) == [MANIFEST_FILE]
