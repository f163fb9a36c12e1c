"""Model backends behind one interface (`base.Backend`), picked by the config's `backend:` key.

Each backend is a subpackage that defines `BACKEND`; it is imported only when a run or a
preflight asks for it, after the launcher has set the XLA environment. A backend whose library
is not installed is one clear error naming the extra to install, not an ImportError.
"""

from __future__ import annotations

import importlib

from training.backends.base import Backend
from training.errors import TrainingError
from training.stack import not_installed

# backend name (the config's `backend:` value) -> the module that defines BACKEND
BACKENDS: dict[str, str] = {
    "flax_transformers": "training.backends.flax_transformers.backend",
    "tunix": "training.backends.tunix.backend",
}
DEFAULT_BACKEND = "flax_transformers"
# The shipped smoke config that tries each backend's full run.
SMOKE_CONFIGS = {"flax_transformers": "configs/smoke_tiny.yaml",
                 "tunix": "configs/smoke_gemma3_tiny.yaml"}
# What a backend needs beyond the train extra, and the extra that installs it.
NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "tunix": (("tunix", "qwix", "orbax.checkpoint", "kagglehub", "sentencepiece"),
              "pip install '.[train,tunix]'"),
}


def backend_mismatch(config: str, backend: str, smoke_config: str,
                     smoke_backend: str) -> str | None:
    """Why a smoke run of `config` cannot use `smoke_config`, or None. A smoke run tries its full
    run's install, library and checkpoint format, and its manifest names the full config beside
    what the smoke config trained: with two backends it would prove the wrong one."""
    if backend == smoke_backend:
        return None
    return (f"{config} trains with backend {backend}, but the smoke config {smoke_config} with "
            f"{smoke_backend}: a smoke run tries its full run's backend; use "
            f"{SMOKE_CONFIGS[backend]} (or a full config of backend {smoke_backend})")


def missing_modules(name: str) -> list[str]:
    modules, _ = NEEDS.get(name, ((), ""))
    return not_installed(modules)


def backend_for(name: str) -> Backend:
    if missing := missing_modules(name):
        raise TrainingError(f"backend: {name} needs {', '.join(missing)}, not installed here; "
                            f"install it with {NEEDS[name][1]} (from the repository's root)")
    backend: Backend = importlib.import_module(BACKENDS[name]).BACKEND
    return backend
