"""The trainer's command lines as a user meets them: hyphenated flags with the milestone's
underscore aliases, one line naming the `train` extra when the ML stack is missing, an
unreachable hub that fails in seconds, and a data set builder whose --help writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training import run_train_jax
from training.backends.flax_transformers import hub
from training.dataset import build
from training.dataset.registry import DATA_DIR, DEV_REASONING_V2
from training.stack import missing_stack_line

REPO = Path(__file__).resolve().parents[2]
# Makes the ML stack look uninstalled, as a core install (`pip install .`) has it.
BLOCKER = """
import importlib.abc, sys
class _NoMLStack(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"jax", "jaxlib", "flax", "optax", "transformers"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoMLStack())
"""


def python(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("KAGGLE_", "XLA_", "JAX_", "HF_"))}
    return subprocess.run([sys.executable, *args], cwd=REPO, env={**clean, **env},
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("flags", [
    ["--smoke-config", "s.yaml", "--smoke-steps", "3", "--skip-preflight"],
    ["--smoke_config", "s.yaml", "--smoke_steps", "3", "--skip_preflight"],
    ["--smoke_config=s.yaml", "--smoke-steps=3", "--skip_preflight"],
])
def test_hyphens_and_the_milestones_underscores_mean_the_same(flags: list[str]) -> None:
    args = run_train_jax.parse_args(["--config", "c.yaml", "--output", "o", "--dataset", "d",
                                     *flags])
    assert (args.smoke_config, args.smoke_steps, args.skip_preflight) == ("s.yaml", 3, True)


@pytest.mark.parametrize(("flags", "message"), [
    (["--smoke-steps", "2"], "--smoke-steps needs --smoke-config"),
    (["--smoke_steps", "2"], "--smoke_steps needs --smoke-config"),
    (["--preflight-target", "t4"], "--preflight-target needs --preflight"),
])
def test_errors_name_flags_as_they_were_written(flags: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_train_jax.parse_args(["--config", "c.yaml", "--output", "o", "--dataset", "d",
                                  *flags])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("module", ["training.run_train_jax", "training.preflight"])
def test_without_the_ml_stack_one_line_names_the_train_extra(module: str,
                                                             tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    done = python(["-m", module, "--config", "configs/smoke_tiny.yaml"], tmp_path,
                  PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO / 'src'}")
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and "pip install '.[train]'" in line
    assert "jax" in line and "Traceback" not in done.stderr


def test_the_missing_line_names_what_is_missing() -> None:
    assert missing_stack_line("the trainer", []) is None
    line = missing_stack_line("the trainer", ["jax"])
    assert line is not None and "jax is not installed" in line


def test_an_unreachable_hub_fails_in_seconds_and_leaves_no_directory(tmp_path: Path) -> None:
    """No HF_HUB_OFFLINE: the hub is probed first (here a port that refuses at once; a name that
    does not resolve fails as fast), so the 25 s of huggingface_hub's retries never start."""
    started = time.perf_counter()
    done = python(["-m", "training.run_train_jax", "--config",
                   "configs/submission_gemma_flax.yaml", "--output", str(tmp_path / "run"),
                   "--dataset", "dev-reasoning-v2", "--device", "cpu"], tmp_path,
                  HF_ENDPOINT="http://127.0.0.1:9", HF_HOME=str(tmp_path / "hf-home"))
    seconds = time.perf_counter() - started
    assert done.returncode == 2, done.stderr[-2000:]
    assert "cannot load google/gemma-2b (revision flax) from the Hugging Face hub" in done.stderr
    assert "Traceback" not in done.stderr and "Retrying" not in done.stderr
    assert not (tmp_path / "run").exists()
    assert seconds < 20, seconds  # JAX's start-up included; the hub's own share is milliseconds


def test_the_hub_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    why = hub.unreachable()
    assert why is not None and why.startswith("127.0.0.1:9")
    options, reason = hub.hub_options("flax")
    assert options["local_files_only"] is True and reason == why
    monkeypatch.setenv("HF_ENDPOINT", "https://no-such-host.invalid")
    assert hub.unreachable() == "no-such-host.invalid does not resolve"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.unreachable() == "HF_HUB_OFFLINE is set"


def test_dataset_build_help_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = DATA_DIR / DEV_REASONING_V2.filename
    before = shipped.stat().st_mtime_ns
    with pytest.raises(SystemExit) as exit_:
        build.main(["--help"])
    assert exit_.value.code == 0
    assert "dev-reasoning-v2" in capsys.readouterr().out
    assert build.main(["--check"]) == 0
    assert "the same bytes" in capsys.readouterr().out
    assert shipped.stat().st_mtime_ns == before


@pytest.mark.parametrize("config, smoke, matching", [
    ("configs/submission_gemma3_1b_tunix.yaml", "configs/smoke_tiny.yaml",
     "configs/smoke_gemma3_tiny.yaml"),
    ("configs/submission_gemma_flax.yaml", "configs/smoke_gemma3_tiny.yaml",
     "configs/smoke_tiny.yaml")])
def test_a_smoke_config_of_another_backend_is_refused_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        config: str, smoke: str, matching: str) -> None:
    """Its run would train one backend under the other's config name."""
    monkeypatch.chdir(REPO)
    code = run_train_jax.main(["--config", config, "--smoke_config", smoke, "--output",
                               str(tmp_path / "run"), "--dataset", "dev-reasoning-v2"])
    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith(f"error: {config} trains with backend ")
    assert f"but the smoke config {smoke} with " in error and f"use {matching} " in error
    assert not (tmp_path / "run").exists()
