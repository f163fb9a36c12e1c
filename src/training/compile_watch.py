"""Counts XLA compilations through jax.monitoring, so a run can prove its step compiled once."""

from __future__ import annotations

from collections import Counter

import jax

BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class CompileWatch:
    """While active, counts backend compilations per function name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def _listener(self, event: str, duration_secs: float, **kwargs: str | int) -> None:
        if event == BACKEND_COMPILE_EVENT:
            self.counts[str(kwargs.get("fun_name", "?"))] += 1

    def __enter__(self) -> CompileWatch:
        jax.monitoring.register_event_duration_secs_listener(self._listener)
        return self

    def __exit__(self, *exc: object) -> None:
        jax.monitoring.unregister_event_duration_listener(self._listener)

    def count(self, fun_name: str) -> int:
        return sum(n for name, n in self.counts.items() if fun_name in name)
