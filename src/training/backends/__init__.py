"""Model backends behind one interface (`base.Backend`), picked by the config's `backend:` key.

Each backend is a subpackage that defines `BACKEND`; it is imported only when a run or a
preflight asks for it, after the launcher has set the XLA environment.
"""

from __future__ import annotations

import importlib

from training.backends.base import Backend

# backend name (the config's `backend:` value) -> the module that defines BACKEND
BACKENDS: dict[str, str] = {
    "flax_transformers": "training.backends.flax_transformers.backend",
}
DEFAULT_BACKEND = "flax_transformers"


def backend_for(name: str) -> Backend:
    backend: Backend = importlib.import_module(BACKENDS[name]).BACKEND
    return backend
