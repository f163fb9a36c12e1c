"""Fixtures for the preflight tests: small configs that compile in a second on one CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
from preflight_configs import PREFLIGHT_FIXTURES

from training.config import LoadedConfig, load_config


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One figures cache for the whole session: a shape compiled by one test is not compiled
    again by the next (keeps these tests fast on two cores)."""
    return tmp_path_factory.mktemp("preflight-cache")


@pytest.fixture(scope="session")
def tiny() -> LoadedConfig:
    return load_config(str(PREFLIGHT_FIXTURES / "tiny_gpt2.yaml"))


@pytest.fixture(scope="session")
def gemma_2b() -> LoadedConfig:
    return load_config(str(PREFLIGHT_FIXTURES / "gemma_2b_t4.yaml"))
