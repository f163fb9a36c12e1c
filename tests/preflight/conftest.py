"""Fixtures for the preflight tests: small configs that compile in a second on one CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.config import LoadedConfig, load_config

PREFLIGHT_FIXTURES = Path(__file__).parent.parent / "fixtures" / "preflight"


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


def with_changes(loaded: LoadedConfig, section: str, **changes: object) -> LoadedConfig:
    """The same config file's identity with some keys of one section changed."""
    data = loaded.config.model_dump()
    data[section] = {**data[section], **changes}
    return LoadedConfig(loaded.path, loaded.sha256, type(loaded.config).model_validate(data))
