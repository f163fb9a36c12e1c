"""Fixtures of the fill tests, loaded by `pytest_plugins = ("fill_fixtures",)`: a conftest.py
here would shadow tests/conftest.py, which other test modules import by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from fillkit import downloaded_template

from runbuilder import build_run


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    """A trainer's complete output directory, built from the models."""
    return build_run(tmp_path / "outputs")


@pytest.fixture
def template(tmp_path: Path, outputs: Path) -> Path:
    return downloaded_template(outputs, tmp_path / "run")
