"""Is the ML stack installed? The core install (`pip install .`) is the validator alone; the
trainer and the preflight need the `train` extra. Asked without importing anything (JAX must not
load before the launcher has set its environment)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

INSTALL_HINT = "pip install '.[train]'"
STACK = ("jax", "flax", "optax", "transformers", "tokenizers")


def not_installed(modules: Iterable[str]) -> list[str]:
    """Those of `modules` that cannot be imported here, found without importing them."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def missing_modules() -> list[str]:
    return not_installed(STACK)


def missing_stack_line(command: str, missing: list[str] | None = None) -> str | None:
    """The one line to end with when the stack is not installed, or None when it is."""
    missing = missing_modules() if missing is None else missing
    if not missing:
        return None
    return (f"error: {command} needs the ML stack, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed; install it with "
            f"{INSTALL_HINT} (from the repository's root)")
