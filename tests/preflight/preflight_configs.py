"""Configs for the preflight tests (a module of its own: several test folders have a conftest,
so tests import helpers by a name that is unique)."""

from __future__ import annotations

from pathlib import Path

from training.config import LoadedConfig

PREFLIGHT_FIXTURES = Path(__file__).parent.parent / "fixtures" / "preflight"


def with_changes(loaded: LoadedConfig, section: str, **changes: object) -> LoadedConfig:
    """The same config file's identity with some keys of one section changed."""
    data = loaded.config.model_dump()
    data[section] = {**data[section], **changes}
    return LoadedConfig(loaded.path, loaded.sha256, type(loaded.config).model_validate(data))
