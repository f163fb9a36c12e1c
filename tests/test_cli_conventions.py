"""Issue 10, sections 2 and 3: the conventions every command shares (help, mistakes, --json, -q,
exit codes, the human report) and the messages a newcomer hit, each driven through Typer's test
runner or `main` in-process AND through the installed console script, as a user runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from evidence.cli import app, main
from repo_paths import REPO
from runbuilder import RUN_ID, build_run, protocol_lines

sys.path.insert(0, str(Path(__file__).parent / "fill"))

from fillkit import downloaded_template
from logforms import stdout_of

M36 = REPO / "submission_runs" / "m36_v1"
SCRIPT = Path(sys.executable).parent / "evidence"
ENVELOPE = {"tool", "version", "command", "ok", "exit_code", "error", "findings", "result"}
COMMANDS = ["init", "fill", "validate", "compare", "report", "show", "package", "verify", "attest",
            "migrate", "schema", "hook"]
WORKFLOW = ["init", "fill", "validate", "compare", "report", "show", "package", "verify",
            "attest", "migrate", "schema", "hook"]
KAGGLE_FLAGS = ("--kaggle-url", "--kaggle-version", "--kaggle-run-id")

Arg = str | bytes | Path


@dataclass
class Ran:
    code: int
    out: str
    err: str
    raw: bytes = b""


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "400", **extra}
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        if name not in extra:
            env.pop(name, None)
    return env


def script(*args: Arg, cwd: Path | None = None, module: bool = False, **env: str) -> Ran:
    """The installed console script (or `python -m evidence`), as a user runs it."""
    head: list[str | bytes] = [sys.executable, "-m", "evidence"] if module else [str(SCRIPT)]
    argv = [*head, *(os.fspath(arg) for arg in args)]
    done = subprocess.run(argv, capture_output=True, cwd=cwd or REPO, env=_env(**env),
                          check=False, timeout=60)
    err = done.stderr.decode("utf-8", "backslashreplace")
    assert "Traceback" not in err and "internal error" not in err, err
    return Ran(done.returncode, done.stdout.decode("utf-8"), err, done.stdout)


def run_all(cases: dict[Any, list[Arg]]) -> dict[Any, Ran]:
    """Each case through the script, in order, results by case."""
    return {name: script(*args) for name, args in cases.items()}


def runner(*args: Arg, cwd: Path | None = None, **env: str) -> Ran:
    """Typer's test runner on the app itself."""
    previous = Path.cwd()
    os.chdir(cwd or REPO)
    try:
        result = CliRunner().invoke(app, [os.fsdecode(arg) for arg in args], env=env,
                                    catch_exceptions=False)
    finally:
        os.chdir(previous)
    return Ran(result.exit_code, result.stdout, result.stderr)


CHANNELS: dict[str, Callable[..., Ran]] = {"runner": runner, "script": script}


@pytest.fixture(params=sorted(CHANNELS))
def cli(request: pytest.FixtureRequest) -> Callable[..., Ran]:
    return CHANNELS[str(request.param)]


# --- the runs the tests work on --------------------------------------------------------------

@dataclass
class World:
    root: Path
    valid: Path
    outputs: Path
    template: Path
    no_kaggle_log: Path
    full_log: Path
    other_log: Path
    archive: Path
    empty: Path
    file: Path

    def fresh_template(self, name: str) -> Path:
        return downloaded_template(self.outputs, self.root / name)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("cli")
    outputs = build_run(root / "outputs")
    lines = protocol_lines(outputs)
    no_kaggle = root / "no-kaggle.txt"
    no_kaggle.write_text(stdout_of([line for line in lines if '"/kaggle"' not in line]))
    full = root / "full.txt"
    full.write_text(stdout_of(lines))
    other = root / "other-run.txt"
    other.write_text(stdout_of(lines).replace(RUN_ID, "run-20261126-other"))
    valid = build_run(root / "valid")
    archive = root / "archive.zip"
    assert main(["package", "-q", str(valid), "--out", str(archive)]) == 0
    (root / "empty").mkdir()
    (root / "a-file.txt").write_text("not a run\n")
    return World(root, valid, outputs, downloaded_template(outputs, root / "template"), no_kaggle,
                 full, other, archive, root / "empty", root / "a-file.txt")


# --- help ------------------------------------------------------------------------------------

def _listed_commands(help_text: str) -> list[str]:
    section = help_text.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")
            and line.split()]


def test_help_lists_the_commands_in_workflow_order() -> None:
    for ran in (runner("--help"), script("--help")):
        assert ran.code == 0
        listed = _listed_commands(ran.out)
        assert [name for name in listed if name in COMMANDS] == COMMANDS
        # commands that come later (compare, report, ...) take their place in the workflow
        assert listed == sorted(listed, key=WORKFLOW.index)


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Every command of the click tree Typer builds (Typer vendors click: duck-typed)."""
    yield " ".join(path), command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def test_every_command_argument_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    seen = set()
    for where, command in _walk(root, ("evidence",)):
        seen.add(where)
        assert (command.help or "").strip() and (command.short_help or command.help), where
        for param in command.params:
            text = getattr(param, "help", None)
            assert text and text.strip(), f"{where}: {param.name} has no help"
    assert {f"evidence {name}" for name in COMMANDS} <= seen
    assert {"evidence schema check", "evidence schema export"} <= seen


@pytest.mark.parametrize("command", [*COMMANDS, "schema check", "schema export"])
def test_each_commands_help_shows_its_arguments_help(command: str) -> None:
    ran = runner(*command.split(), "--help")
    assert ran.code == 0 and f"Usage: evidence {command}" in ran.out
    if command not in ("schema", "schema check", "schema export"):
        assert "Arguments:" in ran.out
    if command != "schema":
        assert "--json" in ran.out and "-q, --quiet" in ran.out


# --- mistakes get help -----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "usage"), [
    (["validate", "--bogus", "x"], "Usage: evidence validate "),
    (["fill", "--form-log", "x", "y"], "Usage: evidence fill "),
    (["schema", "check", "--drift"], "Usage: evidence schema check "),
    (["package", "--output", "x", "y"], "Usage: evidence package "),
])
def test_a_mistyped_option_shows_the_subcommands_usage(cli: Callable[..., Ran], args: list[str],
                                                       usage: str) -> None:
    ran = cli(*args)
    assert ran.code == 2 and ran.out == ""
    assert usage in ran.err and "No such option" in ran.err
    assert "COMMAND [ARGS]" not in ran.err  # not the top level's usage


@pytest.mark.parametrize(("args", "nearest"), [
    (["valdate", "x"], "validate"), (["packge"], "package"), (["schema", "chek"], "check"),
    (["atest"], "attest"),
])
def test_a_mistyped_command_suggests_the_nearest(cli: Callable[..., Ran], args: list[str],
                                                 nearest: str) -> None:
    ran = cli(*args)
    assert ran.code == 2 and f"Did you mean '{nearest}'" in ran.err


# --- --json: one envelope everywhere ---------------------------------------------------------

def _newer_run(run_dir: Path) -> Path:
    """A run whose manifest a newer evidence wrote."""
    run_dir.mkdir()
    (run_dir / "run_manifest.json").write_text('{"schema_version": "3.0"}\n')
    return run_dir


def _json_cases(world: World, tag: str = "json") -> dict[str, list[Arg]]:
    filled = world.fresh_template(f"{tag}-fill")
    return {
        "validate ok": ["validate", "--json", world.valid],
        "validate findings": ["validate", "--json", M36],
        "validate usage": ["validate", "--json", world.file],
        "fill": ["fill", "--json", "--from-log", world.no_kaggle_log, filled],
        "fill dry run": ["fill", "--json", "--dry-run", "--from-log", world.full_log,
                         world.template],
        "fill usage": ["fill", "--json", "--from-log", world.full_log, world.file],
        "package": ["package", "--json", world.valid, "--out", world.root / f"{tag}.zip"],
        "package refused": ["package", "--json", M36, "--out", world.root / f"{tag}-m36.zip"],
        "verify": ["verify", "--json", world.archive],
        "verify usage": ["verify", "--json", world.empty],
        "attest": ["attest", "--json", world.valid],
        "attest usage": ["attest", "--json", world.empty],
        "schema check": ["schema", "check", "--json", "--dir", REPO / "schemas"],
        "schema check usage": ["schema", "check", "--json", "--dir", world.empty],
        "schema export": ["schema", "export", "--json", "--dir", world.root / f"{tag}-schemas"],
        "hook": ["hook", "--json", world.valid / "run_manifest.json", M36 / "run_manifest.json"],
        "init": ["init", "--json", world.root / f"{tag}-init"],
        "init usage": ["init", "--json", world.file],
        "compare": ["compare", "--json", "--resamples", "50", world.valid, world.valid],
        "compare findings": ["compare", "--json", world.valid, M36],
        "compare usage": ["compare", "--json", world.valid, world.root / "no-such-run"],
        "report": ["report", "--json", world.valid, "--out", world.root / f"{tag}.html"],
        "report findings": ["report", "--json", M36, "--out", world.root / f"{tag}-m36.html"],
        "report usage": ["report", "--json", world.root / "no-such-run"],
        "show": ["show", "--json", world.valid],
        "show usage": ["show", "--json", world.root / "no-such-run"],
        "migrate": ["migrate", "--json", build_run(world.root / f"{tag}-v1", version="1.0")],
        "migrate current": ["migrate", "--json", world.valid],
        "migrate refused": ["migrate", "--json", _newer_run(world.root / f"{tag}-newer")],
        "migrate usage": ["migrate", "--json", world.file],
    }


EXPECTED_CODES = {"validate ok": 0, "validate findings": 1, "validate usage": 2, "fill": 0,
                  "fill dry run": 0, "fill usage": 2, "package": 0, "package refused": 1,
                  "verify": 0, "verify usage": 2, "attest": 0, "attest usage": 2,
                  "schema check": 0, "schema check usage": 2, "schema export": 0, "hook": 1,
                  "init": 0, "init usage": 2, "compare": 0, "compare findings": 1,
                  "compare usage": 2, "report": 0, "report findings": 1,
                  "report usage": 2, "show": 0, "show usage": 2, "migrate": 0,
                  "migrate current": 0, "migrate refused": 1, "migrate usage": 2}


def _envelope(raw: bytes) -> dict[str, object]:
    text = raw.decode("utf-8")  # strict: every byte is UTF-8
    envelope = json.loads(text)  # one JSON object, nothing before or after it
    assert isinstance(envelope, dict) and set(envelope) == ENVELOPE
    assert envelope["tool"] == "evidence" and isinstance(envelope["result"], dict)
    return envelope


def test_json_is_one_envelope_on_every_command(world: World) -> None:
    cases = _json_cases(world)
    assert set(cases) == set(EXPECTED_CODES)
    for name, ran in run_all(cases).items():
        args = cases[name]
        envelope = _envelope(ran.raw)
        assert ran.code == envelope["exit_code"] == EXPECTED_CODES[name], (name, ran.err)
        assert envelope["ok"] is (ran.code == 0), name
        assert envelope["command"] == " ".join(str(a) for a in args[:2]
                                               if a in ("schema", "check", "export")) \
            or envelope["command"] == str(args[0]), name
        if ran.code == 2:
            assert envelope["error"] or any(
                run["error"] for run in envelope["result"].get("runs", [])), name  # type: ignore[union-attr]
    # the fill dry run wrote nothing, and says so in its result
    assert "<FILL:" in (world.template / "run_manifest.json").read_text()


def test_json_in_process_matches_the_script(world: World, capsys: pytest.CaptureFixture[str]) \
        -> None:
    for args in (["validate", "--json", str(M36)], ["verify", "--json", str(world.archive)],
                 ["fill", "--json", "--dry-run", "--from-log", str(world.full_log),
                  str(world.template)]):
        code = main(args)
        envelope = _envelope(capsys.readouterr().out.encode())
        assert envelope["exit_code"] == code
        assert _envelope(script(*args).raw) == envelope


def test_json_findings_carry_their_run_and_location(world: World) -> None:
    envelope = _envelope(script("validate", "--json", M36, world.empty).raw)
    findings = envelope["findings"]
    assert isinstance(findings, list) and findings
    for finding in findings:
        assert set(finding) == {"run", "file", "pointer", "line", "code", "message"}
    assert {finding["run"] for finding in findings} == {str(M36), str(world.empty)}


# --- names that are not UTF-8 ----------------------------------------------------------------

@pytest.fixture(scope="module")
def undecodable(world: World) -> Path:
    name = os.fsdecode(b"r\xff\xfe-run")
    try:
        (world.root / name).mkdir()
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (world.root / name).rmdir()
    return world.root / name


def test_json_is_strict_utf8_for_a_name_that_is_not(world: World, undecodable: Path) -> None:
    run = build_run(undecodable)
    template = downloaded_template(world.outputs, world.root / os.fsdecode(b"t\xff"))
    archive = world.root / os.fsdecode(b"a\xfe.zip")
    cases: list[list[Arg]] = [
        ["validate", "--json", os.fsencode(run)],
        ["package", "--json", os.fsencode(run), "--out", os.fsencode(archive)],
        ["verify", "--json", os.fsencode(archive)],
        ["attest", "--json", os.fsencode(run)],
        ["fill", "--json", "--dry-run", "--from-log", world.full_log, os.fsencode(template)],
        ["fill", "--json", "--from-log", world.no_kaggle_log, os.fsencode(template)],
        ["hook", "--json", os.fsencode(run / "run_manifest.json")],
        ["init", "--json", os.fsencode(world.root / os.fsdecode(b"n\xff"))],
        ["validate", "--json", os.fsencode(run / "missing")],
    ]
    for args, ran in zip(cases, run_all(dict(enumerate(cases))).values(), strict=True):
        envelope = _envelope(ran.raw)
        assert envelope["exit_code"] == ran.code, (args, ran.err)
        assert ran.code == (2 if args[-1] == os.fsencode(run / "missing") else 0), args
    paths = _envelope(script("validate", "--json", os.fsencode(run)).raw)["result"]
    assert paths["runs"][0]["path"] == str(run)  # type: ignore[index]


def test_the_human_report_never_fails_on_a_name_that_is_not_utf8(undecodable: Path) -> None:
    run = build_run(undecodable.with_name(undecodable.name + "2"))
    # a strict UTF-8 stdout (an en_US.UTF-8 terminal) as well as the C locale's escapes
    for env in ({"PYTHONIOENCODING": "utf-8"}, {}):
        ran = subprocess.run([str(SCRIPT), "validate", os.fsencode(run)], capture_output=True,
                             env=_env(**env), check=False)
        assert ran.returncode == 0, ran.stderr
        assert b"valid" in ran.stdout and b"internal error" not in ran.stderr


# --- -q, and the same exit codes with it -----------------------------------------------------

def _plain_cases(world: World, tag: str) -> dict[str, list[Arg]]:
    """The --json cases without --json, each writing command with targets of its own (`tag`)."""
    cases = {name: [arg for arg in args if arg != "--json"]
             for name, args in _json_cases(world, tag).items()}
    cases["fill refused"] = ["fill", "--from-log", world.other_log, world.valid]
    return cases


def test_quiet_prints_nothing_and_keeps_the_exit_code(world: World,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    expected = {**EXPECTED_CODES, "fill refused": 1}

    def quietly(args: list[Arg]) -> list[Arg]:
        words = 2 if args[0] == "schema" else 1
        return [*args[:words], "-q", *args[words:]]

    hushed = run_all({name: quietly(args) for name, args in _plain_cases(world, "q").items()})
    in_process = _plain_cases(world, "qq")
    for name, args in _plain_cases(world, "loud").items():
        code = main([os.fsdecode(arg) for arg in args])
        said = capsys.readouterr()
        assert said.out + said.err != "", name  # without -q, it says something
        assert main([os.fsdecode(arg) for arg in quietly(in_process[name])]) \
            == code == hushed[name].code == expected[name], (name, hushed[name].err)
        assert capsys.readouterr().out == "" and hushed[name].out == "", name
        if code == 2:
            assert hushed[name].err.startswith("evidence: "), name  # errors still say so


def test_quiet_attest_writes_no_statement_on_stdout(world: World) -> None:
    ran = script("attest", "-q", world.valid)
    assert ran.code == 0 and ran.out == "" and ran.err == ""
    assert script("attest", world.valid).out.startswith("{")


# --- the human report ------------------------------------------------------------------------

def _broken_run(world: World) -> Path:
    broken = world.root / "broken"
    if not broken.exists():
        build_run(broken)
        (broken / "eval_summary.json").write_text("[]")
        with (broken / "predictions.jsonl").open("a") as rows:
            rows.write("{}\n")
    return broken


def test_the_report_wraps_to_columns(world: World) -> None:
    many = [world.valid, M36, _broken_run(world), world.empty, world.file]
    fill_target = world.fresh_template("narrow")
    for args in (["validate", *many],
                 ["fill", "--dry-run", "--from-log", world.full_log, fill_target],
                 ["fill", "--from-log", world.no_kaggle_log, fill_target],
                 ["package", world.valid, "--out", world.root / ("x" * 60 + ".zip")]):
        ran = script(*args, COLUMNS="40")
        assert ran.out, args
        for line in ran.out.splitlines():
            assert len(line) <= 40, (args, line)
            assert line == line.rstrip(), (args, line)
    wide = script("validate", *many, COLUMNS="200")
    assert max(len(line) for line in wide.out.splitlines()) > 40  # it is the width, not a cap


def _terminal(args: Sequence[Arg], **env: str) -> str:
    """Run under a real pseudo-terminal (`script`), so the tool sees a TTY."""
    line = " ".join(["exec", str(SCRIPT), *(str(arg) for arg in args)])
    done = subprocess.run(["script", "-qec", line, "/dev/null"], capture_output=True,
                          env=_env(**env), check=False, timeout=60)
    return done.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("how", ["force_color", "tty"])
def test_no_color_means_no_escape_codes_at_all(world: World, how: str) -> None:
    if how == "tty" and shutil.which("script") is None:
        pytest.skip("no `script` to give the tool a terminal")
    args: list[Arg] = ["validate", world.valid, M36, world.empty]

    def run(**env: str) -> str:
        if how == "tty":
            return _terminal(args, **env)
        return script(*args, FORCE_COLOR="1", **env).out

    coloured, plain = run(), run(NO_COLOR="1")
    assert "\x1b[" in coloured
    assert "\x1b" not in plain and "template_unfilled" in plain
    # every command's human output, not only validate's
    for other in (["fill", "--dry-run", "--from-log", world.full_log, world.template],
                  ["verify", world.archive], ["schema", "check", "--dir", REPO / "schemas"]):
        assert "\x1b" not in script(*other, FORCE_COLOR="1", NO_COLOR="1").out, other


def test_a_finding_without_pointer_or_line_has_no_stray_column(world: World) -> None:
    ran = script("validate", world.empty, _broken_run(world))
    envelope = _envelope(script("validate", "--json", world.empty).raw)
    located = [f for f in envelope["findings"]  # type: ignore[union-attr]
               if not f["pointer"] and f["line"] is None]
    assert located, "the empty directory's findings have neither pointer nor line"
    for line in ran.out.splitlines():
        assert not re.match(r"^\s*-(\s|$)", line), line
        assert "  -  " not in line and " - " not in line.strip()[:4], line
    assert "    file_missing  run_manifest.json is missing" in ran.out


def test_several_runs_end_with_one_summary_line(world: World,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    runs = [world.valid, M36, _broken_run(world), world.file]
    for ran in (script("validate", *runs), runner("validate", *map(str, runs))):
        lines = ran.out.splitlines()
        assert ran.code == 2
        assert [line for line in lines if re.match(r"^\d+ runs: ", line)] == [lines[-1]]
        assert lines[-1] == "4 runs: 1 valid, 2 with " + lines[-1].split(" with ")[1]
        assert lines[-1].endswith("findings, 1 not checked")
    assert main(["validate", str(world.valid)]) == 0
    assert "runs:" not in capsys.readouterr().out  # one run needs no summary


def test_the_milestone_template_fails_listing_every_placeholder(cli: Callable[..., Ran]) -> None:
    ran = cli("validate", M36)
    assert ran.code == 1
    placeholders = re.findall(r'"<FILL: ([^>]+)>"', (M36 / "run_manifest.json").read_text()
                              + (M36 / "eval_summary.json").read_text())
    assert len(placeholders) >= 20
    listed = " ".join(ran.out.split())
    for name in placeholders:
        assert "/" + name.replace(".", "/") in listed, name


# --- messages a newcomer hit -----------------------------------------------------------------

def test_validate_a_file_says_so_and_names_the_directory(cli: Callable[..., Ran],
                                                         world: World) -> None:
    ran = cli("validate", world.valid / "run_manifest.json")
    assert ran.code == 2
    assert "is a file, not a run directory" in ran.err and str(world.valid) in ran.err
    assert "no such run directory" not in ran.err


def test_validate_reports_a_non_directory_and_checks_the_rest(cli: Callable[..., Ran],
                                                              world: World) -> None:
    ran = cli("validate", world.valid, world.file, M36, world.root / "nope")
    assert ran.code == 2
    assert f"{world.file}: is a file" in ran.err and "no such run directory" in ran.err
    assert f"✓ {world.valid}: valid" in ran.out and f"✗ {M36}:" in ran.out
    assert ran.out.splitlines()[-1].startswith("4 runs: 1 valid, 1 with ")


def test_after_fill_the_hint_names_the_kaggle_flags(cli: Callable[..., Ran],
                                                    world: World) -> None:
    target = world.fresh_template(f"hint-{cli.__name__}")
    filled = cli("fill", "--from-log", world.no_kaggle_log, target)
    assert filled.code == 0, filled.err
    for flag in KAGGLE_FLAGS:
        assert f"(give {flag})" in filled.out
    checked = cli("validate", target)
    assert checked.code == 1
    hint = " ".join(checked.out.split())
    assert "give `evidence fill` --kaggle-url, --kaggle-version, --kaggle-run-id" in hint
    assert "--from-log LOG RUN_DIR" not in hint  # nothing else is missing


def test_attest_a_directory_without_a_manifest_wants_a_run_or_archive(
        cli: Callable[..., Ran], world: World) -> None:
    ran = cli("attest", world.empty)
    assert ran.code == 2 and ran.out == ""
    assert str(world.empty) in ran.err and "run_manifest.json" in ran.err
    assert "run directory or an archive" in ran.err
    missing = cli("attest", world.root / "nope")
    assert missing.code == 2 and "no such run directory or archive" in missing.err


def test_verify_a_directory_says_it_takes_an_archive(cli: Callable[..., Ran],
                                                     world: World) -> None:
    ran = cli("verify", world.valid)
    assert ran.code == 2 and "verify takes an archive" in ran.err
    assert "evidence validate" in ran.err  # and what checks a directory


def test_fill_on_a_file_never_suggests_init(cli: Callable[..., Ran], world: World) -> None:
    for target in (world.file, world.file / "sub"):
        ran = cli("fill", "--from-log", world.full_log, target)
        assert ran.code == 2, ran.err
        assert "is a file" in ran.err and "evidence init" not in ran.err + ran.out
    assert not (world.file.parent / "sub").exists()


def test_a_log_of_another_run_says_the_run_ids_differ(cli: Callable[..., Ran],
                                                      world: World) -> None:
    before = (world.valid / "run_manifest.json").read_bytes()
    ran = cli("fill", "--from-log", world.other_log, world.valid)
    assert ran.code == 1
    assert "the run ids differ" in ran.err and "run-20261126-other" in ran.err
    assert (world.valid / "run_manifest.json").read_bytes() == before


def _pipeline(command: str, cwd: Path) -> Ran:
    done = subprocess.run(["bash", "-c", f"{command} | head -1; exit ${{PIPESTATUS[0]}}"],
                          capture_output=True, cwd=cwd, env=_env(), check=False, timeout=60)
    return Ran(done.returncode, done.stdout.decode(), done.stderr.decode())


def test_a_reader_that_goes_away_ends_it_quietly(world: World) -> None:
    many = world.root / "many"
    for index in range(600):  # a report of some 180 kB: far more than a pipe holds
        (many / f"r{index:03}").mkdir(parents=True, exist_ok=True)
    exe = str(SCRIPT)
    for command, code in ((f"{exe} validate many/*", 1), (f"{exe} validate --json many/*", 1),
                          (f"{exe} schema export --dir schemas-out", 0),
                          (f"{exe} fill --dry-run --from-log {world.full_log} {world.template}",
                           0)):
        ran = _pipeline(command, world.root)
        assert len(ran.out.splitlines()) == 1, command
        for noise in ("Broken pipe", "Exception ignored", "Traceback", "BrokenPipeError"):
            assert noise not in ran.err, (command, ran.err)
        assert ran.code == code, (command, ran.err)


def test_a_closed_stdout_keeps_the_exit_code(world: World, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A valid run piped into `head` is still valid: exit 0, not click's 1 for EPIPE."""
    read, write = os.pipe()
    os.close(read)
    closed = open(write, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    monkeypatch.setattr(sys, "stdout", closed)
    try:
        assert main(["validate", str(world.valid), str(world.valid)]) == 0
        assert main(["validate", "--json", str(world.valid)]) == 0
        assert main(["validate", str(M36)]) == 1
        assert main(["attest", str(world.valid)]) == 0
    finally:
        monkeypatch.undo()
        closed.close()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("where", ["missing", "empty", "outside the repository"])
def test_schema_check_without_schemas_is_an_io_error_naming_the_directory(
        cli: Callable[..., Ran], tmp_path: Path, where: str) -> None:
    (tmp_path / "empty").mkdir()
    args = {"missing": ["--dir", str(tmp_path / "missing")],
            "empty": ["--dir", str(tmp_path / "empty")], "outside the repository": []}[where]
    ran = cli("schema", "check", *args, cwd=tmp_path)
    assert ran.code == 2, ran.err
    named = args[1] if args else "schemas"
    assert f"{named}: no JSON Schemas there" in ran.err and "--dir" in ran.err
    assert "differs from the models" not in ran.err + ran.out


def test_package_writes_beside_the_run_not_into_the_cwd(cli: Callable[..., Ran],
                                                        tmp_path: Path) -> None:
    run = build_run(tmp_path / "runs" / "r1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = cli("package", Path("..") / "runs" / "r1", cwd=elsewhere)
    assert ran.code == 0, ran.err
    assert (run.parent / f"{RUN_ID}.zip").is_file()
    assert list(elsewhere.iterdir()) == []
    out = tmp_path / "out" / "chosen.zip"
    out.parent.mkdir()
    envelope = _envelope(script("package", "--json", run, "--out", out, cwd=elsewhere).raw)
    assert envelope["result"]["archive"] == str(out) and out.is_file()  # type: ignore[index]
    assert list(elsewhere.iterdir()) == []


def test_python_dash_m_evidence_works(world: World) -> None:
    version = script("--version", module=True)
    assert version.code == 0 and version.out.startswith("evidence ")
    ran = script("validate", world.valid, module=True)
    assert ran.code == 0 and "valid" in ran.out
    assert script("validate", "--bogus", module=True).code == 2
