"""A cache of XLA's memory figures, keyed by the lowered step's text, the target and the tools.

JAX's persistent compilation cache (enabled too, see `enable_jax_cache`) makes repeated compiles
for devices that are here cheap, but it cannot serve a TPU cross-compile: reading the entry back
fails with "PjRtCompiler must be constructed with a Client to call DeserializeLoadedExecutable".
What the preflight needs of a compile is only its memory figures, so those are kept here, and a
repeated search (--find-max-batch) costs nothing for a shape already compiled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jax
from pydantic import BaseModel, ConfigDict, ValidationError

from evidence import PreflightMethod, write_model_atomic
from training.preflight.memory import MemoryEstimate


class CachedFigures(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    method: PreflightMethod
    peak_bytes: int
    usable_bytes: int
    parts: dict[str, int]


def enable_jax_cache(directory: Path) -> None:
    jax.config.update("jax_compilation_cache_dir", str(directory / "jax"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


class FiguresCache:
    def __init__(self, directory: Path | None, salt: str) -> None:
        """`salt` names what else decides the figures: the target and the tool versions."""
        self.directory = directory / "figures" if directory is not None else None
        self.salt = salt

    def _path(self, lowered: Any) -> Path | None:
        if self.directory is None:
            return None
        digest = hashlib.sha256(self.salt.encode())
        digest.update(lowered.as_text().encode())
        return self.directory / f"{digest.hexdigest()}.json"

    def get(self, lowered: Any) -> tuple[MemoryEstimate | None, Path | None]:
        path = self._path(lowered)
        if path is None or not path.is_file():
            return None, path
        try:
            cached = CachedFigures.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None, path  # a damaged entry is recompiled and rewritten
        return MemoryEstimate(cached.method, cached.peak_bytes, cached.usable_bytes,
                              cached.parts), path

    def put(self, path: Path | None, estimate: MemoryEstimate) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_model_atomic(path, CachedFigures(method=estimate.method,
                                               peak_bytes=estimate.peak_bytes,
                                               usable_bytes=estimate.usable_bytes,
                                               parts=estimate.parts))
