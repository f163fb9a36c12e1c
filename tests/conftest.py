from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from flax_smoke import SmokeRun, smoke_run
from runbuilder import build_run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A fresh complete valid run directory, built from the models."""
    return build_run(tmp_path / "run")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Human reports wrap to the terminal; tests read whole lines, so give them a wide one (the
    wrapping itself is tested with a narrow COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture(scope="session")
def flax_smoke(tmp_path_factory: pytest.TempPathFactory) -> SmokeRun:
    """The smoke command's run, once a session (tests/flax_smoke.py); needs the train extras."""
    pytest.importorskip("jax")
    return smoke_run(tmp_path_factory.mktemp("flax-smoke"))
