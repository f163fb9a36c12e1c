"""The launcher sets the XLA environment before JAX is imported, and keeps what the user set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from training.xla_env import set_run_environment


def test_the_launcher_module_does_not_import_jax() -> None:
    """JAX reads XLA_* once, at import: the launcher must get to set them first."""
    probe = ("import sys, training.run_train_jax, training.config, training.dataset.registry; "
             "print('jax' in sys.modules, 'transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.split() == ["False", "False"]


def test_smoke_sets_no_preallocation_and_the_platform_allocator(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_ALLOCATOR", "JAX_PLATFORMS"):
        monkeypatch.delenv(name, raising=False)
    assert set_run_environment("cpu", smoke=True) == {
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false", "XLA_PYTHON_CLIENT_ALLOCATOR": "platform",
        "JAX_PLATFORMS": "cpu"}


def test_full_runs_keep_the_fast_allocator_and_user_values_win(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XLA_PYTHON_CLIENT_ALLOCATOR", raising=False)
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "true")
    monkeypatch.setenv("JAX_PLATFORMS", "cpu")
    env = set_run_environment("tpu", smoke=False)
    assert env == {"XLA_PYTHON_CLIENT_PREALLOCATE": "true", "JAX_PLATFORMS": "tpu"}
    assert "XLA_PYTHON_CLIENT_ALLOCATOR" not in env


def test_auto_leaves_the_platform_to_jax(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAX_PLATFORMS", raising=False)
    assert "JAX_PLATFORMS" not in set_run_environment("auto", smoke=True)
