"""training.notebook: the Kaggle notebook's helpers (secrets, devices and advice, commands,
streaming with scrubbing, the steps after the session), tested without a notebook."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
import tomllib
import types
from pathlib import Path
from typing import ClassVar

import pytest

from repo_paths import REPO
from training import notebook as nb

SECRET = "hf_" + "Fake0Token1For2Tests3Only4Abcdefgh"  # not a real token: built, never typed
PY = sys.executable


# Stop


def test_stop_shows_one_line_and_no_traceback() -> None:
    assert nb.Stop("set MODE")._render_traceback_() == ["stopped: set MODE"]


def test_on_kaggle_is_told_by_kaggle_s_run_type_variable() -> None:
    assert nb.on_kaggle({"KAGGLE_KERNEL_RUN_TYPE": "Batch"})
    assert not nb.on_kaggle({"HOME": "/root"})


@pytest.mark.parametrize("values, named", [
    (("medium", "auto", 2, "auto"), "MODE"),
    (("smoke", "cuda", 2, "auto"), "DEVICE"),
    (("smoke", "auto", 2, "always"), "INSTALL"),
    (("smoke", "auto", 0, "auto"), "SMOKE_STEPS"),
    (("smoke", "auto", "2", "auto"), "SMOKE_STEPS"),
    (("smoke", "auto", True, "auto"), "SMOKE_STEPS"),
])
def test_a_parameter_that_cannot_work_stops_and_says_its_choices(
        values: tuple[object, object, object, object], named: str) -> None:
    with pytest.raises(nb.Stop, match=f"^{named} is "):
        nb.check_parameters(*values)


def test_the_default_parameters_pass() -> None:
    nb.check_parameters("smoke", "auto", 2, "auto")
    nb.check_parameters("full", "tpu", 1, "no")


# Secrets and scrubbing


def test_scrub_replaces_every_occurrence_and_the_longest_secret_first() -> None:
    text = f"a {SECRET} b {SECRET}x and {SECRET[:12]}"
    assert nb.scrub(text, [SECRET[:12], SECRET, ""]) == "a [secret] b [secret]x and [secret]"


def test_scrub_without_secrets_changes_nothing() -> None:
    assert nb.scrub("plain text", []) == "plain text"
    assert nb.scrub("plain text", [""]) == "plain text"


def test_secrets_never_show_their_values() -> None:
    secrets = nb.Secrets({"HF_TOKEN": SECRET})
    for shown in (repr(secrets), str(secrets), f"{secrets}", repr([secrets])):
        assert SECRET not in shown and "HF_TOKEN=<hidden>" in shown
    assert secrets.scrub(f"token={SECRET}") == "token=[secret]"


def test_secrets_come_from_the_environment_off_kaggle() -> None:
    secrets, lines = nb.load_secrets({"HF_TOKEN": "why"}, kaggle=False,
                                     env={"HF_TOKEN": SECRET})
    assert secrets.values == {"HF_TOKEN": SECRET}
    assert lines == ["HF_TOKEN: from the environment (not shown)"]


def test_an_optional_secret_that_is_missing_is_said_so_and_not_needed() -> None:
    secrets, lines = nb.load_secrets({}, ["HF_TOKEN"], kaggle=False, env={})
    assert secrets.values == {} and lines == ["HF_TOKEN: not set, and not needed for this run"]


def test_a_required_secret_missing_from_the_environment_stops_with_what_to_do() -> None:
    with pytest.raises(nb.Stop) as stop:
        nb.load_secrets({"HF_TOKEN": "the full run downloads google/gemma-2b"}, kaggle=False,
                        env={"HF_TOKEN": ""})
    assert "HF_TOKEN is not set" in str(stop.value) and "export HF_TOKEN=" in str(stop.value)
    assert "google/gemma-2b" in str(stop.value)


class _Client:
    """kaggle_secrets.UserSecretsClient as Kaggle has it: a label it lacks raises."""

    secrets: ClassVar[dict[str, str]] = {}

    def get_secret(self, label: str) -> str:
        if label not in self.secrets:
            raise RuntimeError(f"No user secrets exist for kernel id 1 and label {label}")
        return self.secrets[label]


@pytest.fixture
def kaggle_secrets(monkeypatch: pytest.MonkeyPatch) -> type[_Client]:
    module = types.ModuleType("kaggle_secrets")
    module.UserSecretsClient = _Client  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kaggle_secrets", module)
    monkeypatch.setattr(_Client, "secrets", {})
    return _Client


def test_on_kaggle_secrets_come_from_kaggle_secrets_not_the_environment(
        kaggle_secrets: type[_Client]) -> None:
    kaggle_secrets.secrets = {"HF_TOKEN": SECRET}
    secrets, lines = nb.load_secrets({"HF_TOKEN": "why"}, kaggle=True,
                                     env={"HF_TOKEN": "from-the-environment"})
    assert secrets.values == {"HF_TOKEN": SECRET}
    assert lines == ["HF_TOKEN: from Kaggle Secrets (not shown)"]


def test_a_required_secret_kaggle_lacks_stops_and_names_the_add_on(
        kaggle_secrets: type[_Client]) -> None:
    with pytest.raises(nb.Stop) as stop:
        nb.load_secrets({"HF_TOKEN": "the full run downloads google/gemma-2b"}, kaggle=True)
    message = str(stop.value)
    assert "not among this notebook's Kaggle secrets" in message
    assert "Add-ons -> Secrets" in message and "label HF_TOKEN" in message


def test_without_kaggle_s_client_a_required_secret_on_kaggle_still_stops(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kaggle_secrets", None)  # import fails
    with pytest.raises(nb.Stop, match="Kaggle secrets"):
        nb.load_secrets({"HF_TOKEN": "why"}, kaggle=True)


@pytest.mark.parametrize("mode, source, model_id, needed", [
    ("full", "pretrained", "google/gemma-2b", True),
    ("full", "pretrained", "weights", False),  # a local directory: no hub, no token
    ("smoke", "pretrained", "google/gemma-2b", False),
    ("full", "tiny", "", False),
    ("full", "huggingface", "google/gemma-3-1b-it", True),  # the Tunix backend's hub source
    ("full", "kaggle", "google/gemma-3/flax/gemma3-1b-it", False),  # kagglehub, not HF
    ("full", "local", "weights", False),
])
def test_the_token_is_needed_only_by_a_full_run_from_the_hub(
        tmp_path: Path, mode: str, source: str, model_id: str, needed: bool) -> None:
    (tmp_path / "weights").mkdir()
    assert nb.token_needed(mode, source, model_id, tmp_path) is needed


# Devices and advice


def test_device_env_sets_the_platform_and_drops_the_kernel_s_colour_forcing() -> None:
    env = nb.device_env("tpu", {"FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "PATH": "/bin"})
    assert env["JAX_PLATFORMS"] == "tpu" and env["PATH"] == "/bin"
    assert "FORCE_COLOR" not in env and "CLICOLOR_FORCE" not in env
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false" and env["PYTHONUNBUFFERED"] == "1"
    assert nb.device_env("gpu", {})["JAX_PLATFORMS"] == "cuda"
    assert "JAX_PLATFORMS" not in nb.device_env("auto", {})


def test_the_probe_lists_this_machine_s_devices_in_a_subprocess() -> None:
    devices = nb.detect_devices(PY, nb.device_env("cpu"))
    assert devices.platform == "cpu" and devices.count >= 1
    assert str(devices) == f"{devices.count} x {devices.kind} (cpu)"


def test_a_platform_jax_cannot_use_stops_with_jax_s_words() -> None:
    with pytest.raises(nb.Stop, match="JAX cannot list the devices here"):
        nb.detect_devices(PY, nb.device_env("tpu"))


@pytest.mark.parametrize("devices, target", [
    (nb.Devices("gpu", "Tesla T4", 1), "t4"),
    (nb.Devices("tpu", "TPU v5 lite", 8), "v5e-8"),
    (nb.Devices("tpu", "TPU v5 lite", 1), "v5e-1"),
    (nb.Devices("tpu", "TPU v3", 8), "v3-8"),
    (nb.Devices("tpu", "TPU v3", 32), None),
    (nb.Devices("gpu", "NVIDIA H100 80GB HBM3", 1), None),
    (nb.Devices("cpu", "cpu", 1), None),
])
def test_named_targets_are_the_preflight_s(devices: nb.Devices, target: str | None) -> None:
    assert nb.named_target(devices) == target


def test_a_t4_is_advised_the_smoke_run_or_a_config_that_fits() -> None:
    lines = nb.advise(nb.Devices("gpu", "Tesla T4", 1), "smoke")
    assert lines[0] == "this session has 1 x Tesla T4 (gpu): a t4"
    assert "smoke run" in lines[1] and "LoRA" in lines[1] and "--target t4" in lines[1]


@pytest.mark.parametrize("kind", ["TPU v5 lite", "TPU v3"])
def test_a_tpu_is_advised_the_full_run(kind: str) -> None:
    assert "the full run (MODE = 'full') trains Gemma here" in nb.advise(
        nb.Devices("tpu", kind, 8), "full")[1]
    assert "then set MODE = 'full'" in nb.advise(nb.Devices("tpu", kind, 8), "smoke")[1]


@pytest.mark.parametrize("devices", [nb.Devices("gpu", "Tesla T4", 1), nb.Devices("cpu", "cpu", 1)])
def test_a_full_run_without_a_tpu_stops_and_says_what_to_change(devices: nb.Devices) -> None:
    with pytest.raises(nb.Stop) as stop:
        nb.advise(devices, "full")
    assert str(stop.value) == nb.FULL_NEEDS_TPU.format(devices=devices)
    assert "TPU VM v5e-8" in str(stop.value) and "MODE = 'smoke'" in str(stop.value)


def test_a_cpu_is_advised_the_smoke_run() -> None:
    assert "MODE = 'smoke'" in nb.advise(nb.Devices("cpu", "cpu", 1), "smoke")[1]


# Commands


def test_the_install_pins_the_extras_it_is_given_and_jax_s_accelerator_build() -> None:
    code, train = Path("code"), ("train",)
    assert nb.install_command(PY, code, None, extras=train) == [
        PY, "-m", "pip", "install", "--quiet", "code[train]"]
    assert nb.install_command(PY, code, "tpu", extras=train)[-1] == f"jax[tpu]=={nb.JAX_VERSION}"
    assert nb.install_command(PY, code, "gpu", extras=train)[-1] == (
        f"jax[cuda12]=={nb.JAX_VERSION}")
    offline = nb.install_command(PY, code, "tpu", Path("wheels"), extras=train)
    assert offline[5:] == ["evidence[train]", f"jax[tpu]=={nb.JAX_VERSION}", "--no-index",
                           "--find-links", "wheels"]


def test_the_accelerator_build_is_the_jax_the_train_extra_pins() -> None:
    train = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["train"]
    assert f"jax=={nb.JAX_VERSION}" in train and f"jaxlib=={nb.JAX_VERSION}" in train


def test_the_accelerator_is_told_before_jax_is_installed(tmp_path: Path) -> None:
    def none(_name: str) -> str | None:
        return None

    assert nb.accelerator_before_install(tmp_path, none) is None
    assert nb.accelerator_before_install(tmp_path, lambda _name: "/usr/bin/nvidia-smi") == "gpu"
    (tmp_path / "vfio").mkdir()
    assert nb.accelerator_before_install(tmp_path, none) == "tpu"
    (tmp_path / "vfio").rmdir()
    (tmp_path / "accel0").touch()
    assert nb.accelerator_before_install(tmp_path, none) == "tpu"


def test_the_smoke_command_is_the_milestone_s_smoke_cmd() -> None:
    command = nb.train_command(PY, mode="smoke", config="configs/full.yaml",
                               smoke_config="configs/smoke.yaml", output=Path("out"),
                               dataset="dev-reasoning-v2", device="auto", smoke_steps=2)
    assert command == [PY, "-m", "training.run_train_jax", "--config", "configs/full.yaml",
                       "--smoke_config", "configs/smoke.yaml", "--output", "out",
                       "--dataset", "dev-reasoning-v2", "--device", "auto",
                       "--smoke_steps", "2"]


def test_the_full_command_has_no_smoke_flags_and_overwrite_is_asked_for() -> None:
    command = nb.train_command(PY, mode="full", config="c.yaml", smoke_config="s.yaml",
                               output=Path("out"), dataset="d", device="tpu", smoke_steps=2,
                               overwrite=True)
    assert "--smoke_config" not in command and "--smoke_steps" not in command
    assert command[-1] == "--overwrite"


def test_exit_codes_become_one_message_each() -> None:
    log = Path("smoke.log")
    assert nb.train_stop(0, log) is None and nb.preflight_stop(0, "c.yaml") is None
    assert nb.train_stop(1, log) == ("the run failed, or its own evidence did not validate: the "
                                     "message is above, and the whole output in smoke.log")
    assert "refused its input" in (nb.train_stop(2, log) or "")
    assert "exited with 9" in (nb.train_stop(9, log) or "")
    assert "does not fit" in (nb.preflight_stop(1, "c.yaml") or "")
    assert "could not check c.yaml" in (nb.preflight_stop(2, "c.yaml") or "")
    assert nb.preflight_command(PY, "c.yaml") == [
        PY, "-m", "training.preflight", "--config", "c.yaml", "--target", "auto"]


def test_commands_are_shown_as_a_person_types_them() -> None:
    assert nb.shown(nb.evidence_command(PY, "validate", Path("runs/a b"))) == \
        "evidence validate 'runs/a b'"
    assert nb.shown([PY, "-m", "training.preflight", "--config", "c.yaml"]) == \
        "python -m training.preflight --config c.yaml"
    assert nb.shown(["git", "clone", "x"]) == "git clone x"


# Streaming


CHILD = textwrap.dedent(f"""
    import sys, time
    out, err = sys.stdout, sys.stderr
    out.write("first line\\n"); out.flush()
    out.write('@evidence/1 {{"doc":'); out.flush()
    time.sleep(0.2)
    err.write("warning: in between\\n"); err.flush()
    time.sleep(0.2)
    out.write('"x"}}\\n'); out.flush()
    err.write("the token is {SECRET}\\n"); err.flush()
    out.write("no newline at the end")
    sys.exit(3)
""")


def test_stream_passes_whole_lines_scrubbed_to_the_notebook_and_the_log(tmp_path: Path) -> None:
    out, err, log = io.StringIO(), io.StringIO(), tmp_path / "run.log"
    code = nb.stream([PY, "-c", CHILD], secrets=nb.Secrets({"HF_TOKEN": SECRET}), log=log,
                     out=out, err=err)
    assert code == 3
    assert out.getvalue() == 'first line\n@evidence/1 {"doc":"x"}\nno newline at the end'
    assert err.getvalue() == "warning: in between\nthe token is [secret]\n"
    logged = log.read_text()
    assert logged.splitlines() == ["first line", "warning: in between", '@evidence/1 {"doc":"x"}',
                                   "the token is [secret]", "no newline at the end"]
    assert SECRET not in logged


def test_stream_without_a_log_writes_no_file(tmp_path: Path) -> None:
    out = io.StringIO()
    assert nb.stream([PY, "-c", "print('hi')"], cwd=tmp_path, out=out, err=io.StringIO()) == 0
    assert out.getvalue() == "hi\n" and list(tmp_path.iterdir()) == []


def test_a_line_past_the_limit_is_passed_on_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nb, "MAX_LINE_BYTES", 10)
    out = io.StringIO()
    nb.stream([PY, "-c", "import sys; sys.stdout.write('x' * 100 + '\\n')"], out=out,
              err=io.StringIO())
    assert out.getvalue() == "x" * 100 + "\n"


class _Interrupting(io.StringIO):
    def write(self, text: str) -> int:
        raise KeyboardInterrupt


def test_an_interrupted_cell_stops_the_command() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        nb.stream([PY, "-c", "print('go', flush=True); import time; time.sleep(60)"],
                  out=_Interrupting(), err=io.StringIO())
    assert time.monotonic() - started < 30


def test_leaked_finds_a_secret_in_any_file_even_across_reads(tmp_path: Path) -> None:
    (tmp_path / "run" / "checkpoint").mkdir(parents=True)
    (tmp_path / "run" / "clean.json").write_text("{}")
    (tmp_path / "run" / "checkpoint" / "weights").write_bytes(b"\0" * 5 + SECRET.encode())
    log = tmp_path / "run.log"
    log.write_text("nothing")
    secrets = nb.Secrets({"HF_TOKEN": SECRET})
    assert nb.leaked([tmp_path / "run", log], secrets, chunk=4) == [
        tmp_path / "run" / "checkpoint" / "weights"]
    assert nb.leaked([tmp_path / "run"], nb.Secrets()) == []


# After the session


def _manifest(run: Path, run_id: str = "smoke-1", open_fields: bool = True) -> Path:
    run.mkdir(parents=True)
    kaggle = ({name: f"<FILL: {name}>" for name in ("kaggle_notebook_url",
                                                     "kaggle_notebook_version", "kaggle_run_id")}
              if open_fields else {"kaggle_notebook_url": "https://www.kaggle.com/code/a/bcdef",
                                   "kaggle_notebook_version": 1, "kaggle_run_id": 2})
    (run / "run_manifest.json").write_text(json.dumps({"run_id": run_id, "kaggle": kaggle}))
    return run


def test_the_notebook_id_comes_from_kernel_metadata(tmp_path: Path) -> None:
    assert nb.notebook_id(REPO / "notebooks" / "kernel-metadata.json") == \
        json.loads((REPO / "notebooks" / "kernel-metadata.json").read_text())["id"]
    assert nb.notebook_id(tmp_path / "missing.json") == "OWNER/SLUG"
    (tmp_path / "bad.json").write_text('["not", "an", "object"]')
    assert nb.notebook_id(tmp_path / "bad.json") == "OWNER/SLUG"


def test_the_open_kaggle_fields_and_the_run_id_are_read_from_the_manifest(
        tmp_path: Path) -> None:
    run = _manifest(tmp_path / "smoke")
    assert nb.open_kaggle_fields(run) == ["kaggle_notebook_url", "kaggle_notebook_version",
                                          "kaggle_run_id"]
    assert nb.run_id_of(run) == "smoke-1"
    assert nb.open_kaggle_fields(_manifest(tmp_path / "filled", open_fields=False)) == []
    assert nb.run_id_of(tmp_path / "nothing") == "RUN_ID"
    assert nb.open_kaggle_fields(tmp_path / "nothing") == []


def test_on_kaggle_the_steps_download_then_fill_package_and_verify_against_kaggle_s_log(
        tmp_path: Path) -> None:
    working = tmp_path / "working"
    run = _manifest(working / "smoke")
    session = nb.Session("alice/gemma-reasoning", run, working / "smoke.log", True, working,
                         batch=True)
    assert nb.after_session(session) == [
        ["kaggle", "kernels", "output", "alice/gemma-reasoning", "-p",
         "kaggle-output/gemma-reasoning"],
        ["evidence", "fill", "--from-log", "kaggle-output/gemma-reasoning/gemma-reasoning.log",
         "kaggle-output/gemma-reasoning/smoke", "--kaggle-url",
         "https://www.kaggle.com/code/alice/gemma-reasoning", "--kaggle-version", "N",
         "--kaggle-run-id", "ID"],
        ["evidence", "validate", "kaggle-output/gemma-reasoning/smoke"],
        ["evidence", "package", "kaggle-output/gemma-reasoning/smoke", "--out",
         "kaggle-output/gemma-reasoning/smoke-1.zip"],
        ["evidence", "verify", "kaggle-output/gemma-reasoning/smoke-1.zip", "--kaggle-log",
         "kaggle-output/gemma-reasoning/gemma-reasoning.log"]]
    text = nb.next_steps(session)
    assert "when this version has finished" in text
    assert "https://www.kaggle.com/code/alice/gemma-reasoning?scriptVersionId=ID" in text
    assert "OWNER/SLUG" not in text


def test_an_interactive_kaggle_session_is_told_to_save_a_version_first(tmp_path: Path) -> None:
    run = _manifest(tmp_path / "smoke")
    text = nb.next_steps(nb.Session("OWNER/SLUG", run, tmp_path / "l", True, tmp_path))
    assert "Save Version -> Save & Run All" in text
    assert "OWNER/SLUG: your notebook's id" in text


def test_off_kaggle_the_steps_use_the_log_beside_the_run(tmp_path: Path) -> None:
    run = _manifest(tmp_path / "out" / "smoke")
    log = tmp_path / "out" / "smoke.kaggle_output_log.txt"
    commands = nb.after_session(nb.Session("alice/gemma-reasoning", run, log, False, tmp_path))
    assert commands[0][:4] == ["evidence", "fill", "--from-log", str(log)]
    assert commands[-1] == ["evidence", "verify", str(tmp_path / "out" / "smoke-1.zip")]
    assert "did not run on Kaggle" in nb.next_steps(
        nb.Session("alice/gemma-reasoning", run, log, False, tmp_path))


def test_outputs_say_what_kaggle_keeps_and_which_fields_are_open(tmp_path: Path) -> None:
    run = _manifest(tmp_path / "smoke")
    log = tmp_path / "smoke.log"
    log.write_text("12345")
    text = nb.outputs_text([run, log, tmp_path / "absent.html"], run, tmp_path, True)
    assert f"{run}: 1 files, " in text and f"{log}: 5 bytes" in text and "absent" not in text
    assert "Kaggle keeps them" in text and "kaggle_run_id" in text
    outside = nb.outputs_text([run], run, tmp_path / "elsewhere", True)
    assert "Kaggle keeps only what is there" in outside


def test_the_module_imports_nothing_heavy() -> None:
    probe = ("import sys, training.notebook; print(sorted({'jax', 'pydantic', 'evidence', "
             "'numpy'} & set(sys.modules)))")
    done = subprocess.run([PY, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
