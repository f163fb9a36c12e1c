"""A notebook that cannot do what it is asked stops at that cell with one message that says what
to change, and never goes on to train: a missing secret on Kaggle, a full run without a TPU, a
parameter that cannot work. Each executes the real notebook (in a simulated Kaggle session where
it matters); none trains, so they take seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from notebook_exec import (
    FAKE_TOKEN,
    Executed,
    error_cell,
    execute,
    kaggle_simulation,
    kernel_spec,
    stream_outputs,
    writable,
)

from repo_paths import REPO


def kaggle_full(root: Path, secrets: dict[str, str]) -> tuple[dict[str, str], dict[str, object]]:
    """A simulated Kaggle session under root, asked for the full run."""
    env, parameters = kaggle_simulation(root / "kaggle", secrets)
    env["JUPYTER_PATH"] = str(kernel_spec(root / "jupyter"))
    return env, {**parameters, "MODE": "full"}


@pytest.fixture(autouse=True)
def _removable_input(tmp_path: Path) -> Iterator[None]:
    yield
    if (tmp_path / "kaggle" / "input").exists():
        writable(tmp_path / "kaggle" / "input")


def stopped(executed: Executed, in_cell: str) -> str:
    """The one message the notebook stopped with, checked to come from the expected cell, as
    a Stop (one line, no traceback)."""
    assert executed.error is not None and executed.error.ename == "Stop"
    source, output = error_cell(executed.notebook)
    assert in_cell in source
    [line] = output["traceback"]
    assert line == f"stopped: {executed.error.evalue}"
    return str(executed.error.evalue)


def never_trained(root: Path, executed: Executed) -> None:
    assert sorted(path.name for path in (root / "kaggle" / "working").iterdir()) == ["evidence"]
    shown = "".join(text for _, text in stream_outputs(executed.notebook))
    assert "training.run_train_jax" not in shown and "training.preflight" not in shown


def test_a_missing_secret_on_kaggle_stops_at_the_secrets_cell(tmp_path: Path) -> None:
    root = tmp_path
    env, parameters = kaggle_full(root, {})
    executed = execute(root / "out.ipynb", parameters, cwd=root / "kaggle" / "cwd", env=env)
    message = stopped(executed, "nb.load_secrets(")
    assert message.startswith("HF_TOKEN is not among this notebook's Kaggle secrets")
    assert "Add-ons -> Secrets" in message and "google/gemma-2b" in message
    never_trained(root, executed)


def test_a_full_run_without_a_tpu_stops_at_the_devices_cell(tmp_path: Path) -> None:
    root = tmp_path
    env, parameters = kaggle_full(root, {"HF_TOKEN": FAKE_TOKEN})
    executed = execute(root / "out.ipynb", parameters, cwd=root / "kaggle" / "cwd", env=env)
    message = stopped(executed, "nb.detect_devices(")
    assert message.startswith("MODE = 'full' needs a TPU (v5e-8 or v3-8), and this session has")
    assert "(cpu)" in message and "MODE = 'smoke'" in message
    never_trained(root, executed)
    everything = str(executed.notebook)
    assert FAKE_TOKEN not in everything
    assert "HF_TOKEN: from Kaggle Secrets (not shown)" in everything


def test_a_parameter_that_cannot_work_stops_before_anything_runs(tmp_path: Path) -> None:
    env = {"JUPYTER_PATH": str(kernel_spec(tmp_path / "jupyter"))}
    executed = execute(tmp_path / "out.ipynb", {"MODE": "medium", "OUTPUT_DIR": str(tmp_path)},
                       cwd=REPO / "notebooks", env=env)
    message = stopped(executed, "nb.check_parameters(")
    assert message == "MODE is 'medium'; set it to one of 'smoke', 'full'"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["jupyter", "out.ipynb"]


def test_a_smoke_config_of_another_backend_stops_before_the_install(tmp_path: Path) -> None:
    env = {"JUPYTER_PATH": str(kernel_spec(tmp_path / "jupyter"))}
    parameters = {"CONFIG_PATH": "configs/submission_gemma3_1b_tunix.yaml",
                  "OUTPUT_DIR": str(tmp_path)}
    executed = execute(tmp_path / "out.ipynb", parameters, cwd=REPO / "notebooks", env=env)
    message = stopped(executed, "nb.check_backends(")
    assert message.startswith("CONFIG_PATH and SMOKE_CONFIG_PATH: configs/submission_gemma3_1b_"
                              "tunix.yaml trains with backend tunix, but the smoke config "
                              "configs/smoke_tiny.yaml with flax_transformers")
    assert "use configs/smoke_gemma3_tiny.yaml" in message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["jupyter", "out.ipynb"]
