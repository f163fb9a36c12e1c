"""The command line: exit codes, reports, and a start-up that never imports the ML stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evidence.cli import main
from repo_paths import REPO

M36 = REPO / "submission_runs" / "m36_v1"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", *args], capture_output=True,
                          text=True, cwd=REPO, check=False)


def test_valid_run_exits_0(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(run_dir)]) == 0
    assert "valid" in capsys.readouterr().out


def test_json_report_shape(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run_dir / "predictions.jsonl").write_text("{}\n")
    assert main(["validate", "--json", str(run_dir)]) == 1
    report = json.loads(capsys.readouterr().out)
    [run] = report["result"]["runs"]
    assert run["path"] == str(run_dir) and run["valid"] is False
    for finding in run["findings"]:
        assert set(finding) == {"file", "pointer", "line", "code", "message"}
    assert {"file": "predictions.jsonl", "line": 1, "pointer": "/item_id",
            "code": "schema_missing_key", "message": "required key is missing"} \
        in run["findings"]


def test_human_report_groups_by_file(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run_dir / "eval_summary.json").write_text("[]")
    assert main(["validate", str(run_dir)]) == 1
    out = capsys.readouterr().out
    assert "eval_summary.json" in out and "json_not_object" in out


def test_missing_directory_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such run directory" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_exits_2() -> None:
    result = run_cli("validate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_template_lists_every_unfilled_field() -> None:
    result = run_cli("validate", "--json", str(M36))
    assert result.returncode == 1
    findings = json.loads(result.stdout)["result"]["runs"][0]["findings"]
    unfilled = {(f["file"], f["pointer"]) for f in findings if f["code"] == "template_unfilled"}
    assert ("run_manifest.json", "/kaggle/kaggle_notebook_url") in unfilled
    assert ("run_manifest.json", "/kaggle/kaggle_notebook_version") in unfilled
    assert ("run_manifest.json", "/kaggle/kaggle_run_id") in unfilled
    assert ("eval_summary.json", "/scorecard/per_section") in unfilled
    assert ("eval_summary.json", "/scorecard/per_category") in unfilled
    assert ("eval_summary.json", "/scorecard/per_difficulty") in unfilled
    placeholders = (M36 / "run_manifest.json").read_text().count("<FILL:") + \
        (M36 / "eval_summary.json").read_text().count("<FILL:")
    assert len(unfilled) == placeholders


def test_template_flag_accepts_placeholders_only() -> None:
    assert run_cli("validate", "--allow-template", str(M36)).returncode == 0


def test_template_flag_still_checks_everything_else(tmp_path: Path) -> None:
    broken = tmp_path / "m36"
    broken.mkdir()
    for path in M36.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    text = (broken / "run_manifest.json").read_text().replace('"bfloat16"', '"bf16"')
    (broken / "run_manifest.json").write_text(text)
    result = run_cli("validate", "--allow-template", "--json", str(broken))
    assert result.returncode == 1
    [finding] = json.loads(result.stdout)["result"]["runs"][0]["findings"]
    assert finding["pointer"] == "/model/dtype"


def test_console_script_and_module_agree(run_dir: Path) -> None:
    script = Path(sys.executable).parent / "evidence"
    via_script = subprocess.run([str(script), "validate", "--json", str(run_dir)],
                                capture_output=True, text=True, check=False)
    via_module = run_cli("validate", "--json", str(run_dir))
    assert via_script.returncode == via_module.returncode == 0
    assert via_script.stdout == via_module.stdout


def test_cli_never_imports_the_ml_stack(run_dir: Path) -> None:
    code = ("import sys; from evidence.cli import main; "
            f"main(['validate', '--json', {str(run_dir)!r}]); "
            "heavy = {'jax', 'flax', 'optax', 'transformers', 'torch'} & set(sys.modules); "
            "print(sorted(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr


def test_json_and_quiet_never_import_rich(run_dir: Path) -> None:
    """Only the human report draws with Rich; a tool reading --json, or a hook with -q, does
    not pay for importing it."""
    for flag in ("--json", "-q"):
        code = ("import sys; from evidence.cli import main; "
                f"main(['validate', {flag!r}, {str(run_dir)!r}]); "
                "print('rich' in sys.modules)")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=False)
        assert result.stdout.strip().endswith("False"), (flag, result.stdout + result.stderr)


def test_the_text_reporter_needs_a_console() -> None:
    from evidence.render import reporter

    with pytest.raises(ValueError, match="needs a console"):
        reporter("text")


def test_schema_check_detects_drift(tmp_path: Path) -> None:
    assert run_cli("schema", "export", "--dir", str(tmp_path)).returncode == 0
    assert run_cli("schema", "check", "--dir", str(tmp_path)).returncode == 0
    first = sorted(tmp_path.iterdir())[0]
    first.write_text(first.read_text().replace('"additionalProperties": false', '"x": 1', 1))
    result = run_cli("schema", "check", "--dir", str(tmp_path))
    assert result.returncode == 1 and first.name in result.stderr


def test_human_report_lists_a_templates_holes_on_one_line_per_file() -> None:
    result = run_cli("validate", str(M36))
    assert result.returncode == 1
    assert "13 placeholders: /run_id /mode" in result.stdout
    assert "7 placeholders: /run_id /mode /dataset /scorecard/overall" in result.stdout


# --- start-up: only the command asked for is built --------------------------------------------

def _shape(command: Any) -> list[Any]:
    """What a click command parses and prints: each parameter's names, kind, help and default,
    and its subcommands' shapes."""
    params = [(p.name, tuple(p.opts), tuple(p.secondary_opts), type(p).__name__,
               getattr(p, "help", None), repr(p.default), p.nargs, p.required)
              for p in command.params]
    subcommands = getattr(command, "commands", {})
    return [(command.help, command.short_help), params,
            [(name, _shape(sub)) for name, sub in sorted(subcommands.items())]]


def test_one_command_app_parses_as_the_whole_app_does() -> None:
    import typer.main

    from evidence.cli.application import NAMES, app, build_app

    whole = typer.main.get_command(app)
    assert set(whole.commands) == NAMES
    for name in NAMES:
        alone = typer.main.get_command(build_app(only=name))
        assert list(alone.commands) == [name]
        assert _shape(alone.commands[name]) == _shape(whole.commands[name])
        assert _shape(alone)[1] == _shape(whole)[1]  # the root's own options (--version)


def test_the_app_for_a_command_is_that_command_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence.cli.application import _app_for, app

    monkeypatch.delenv("_EVIDENCE_COMPLETE", raising=False)
    assert [info.name for info in _app_for(["validate", "x"]).registered_commands] == \
        ["validate"]
    assert [info.name for info in _app_for(["schema", "check"]).registered_groups] == ["schema"]
    for args in ([], ["--help"], ["--version"], ["valdate"], ["x", "validate"]):
        assert _app_for(args) is app, args
    monkeypatch.setenv("_EVIDENCE_COMPLETE", "bash_complete")  # completion lists every command
    assert _app_for(["validate"]) is app


def test_pydantic_plugins_are_off_unless_the_user_says_otherwise(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert main(["--version"]) == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
    assert main(["--version"]) == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""
    assert capsys.readouterr().out.count("evidence ") == 2


def test_each_command_runs_alone_in_a_fresh_process(run_dir: Path) -> None:
    for args in (["validate", "--json", str(run_dir)], ["schema", "check", "--help"],
                 ["hook", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_the_program_freezes_what_it_made_only_once_the_command_is_done(
        capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from evidence.cli import command_line

    assert gc.get_freeze_count() == 0
    try:
        assert command_line(["--version"]) == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert main(["--version"]) == 0
    assert gc.get_freeze_count() == 0  # main itself, which tests and tools call, freezes nothing
    assert capsys.readouterr().out.count("evidence ") == 2


def test_the_installed_program_and_python_m_evidence_are_command_line() -> None:
    from importlib.metadata import entry_points

    from evidence.cli import command_line

    (script,) = entry_points(group="console_scripts", name="evidence")
    assert script.load() is command_line
    code = ("import gc, runpy, sys; sys.argv = ['evidence', '--version']\n"
            "try: runpy.run_module('evidence', run_name='__main__')\n"
            "except SystemExit as done: print(done.code, gc.get_freeze_count() > 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.splitlines()[-1] == "0 True", result.stdout + result.stderr
