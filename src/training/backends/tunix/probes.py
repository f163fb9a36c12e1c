"""Tracing a Tunix model without paying for error messages nobody reads.

flax NNX (`Variable.set_value`, on every assignment: each rng draw, each parameter) and qwix (LoRA's
`get_canonical_pspec`, on each adapter it creates) probe traced values with
`getattr(value, "sharding", None)`. A tracer has no sharding, and JAX 0.10 builds the
AttributeError that says so by walking every equation traced so far (`_origin_msg`), only for
getattr to discard it: tracing a model grows with the square of its size. Gemma 3 1B with its
LoRA adapter took 16 to 19 s to trace, 2.4 s without that walk (jax-ml/jax#40041 removes it
upstream).

`cheap_sharding_probes` gives tracers a `sharding` that raises a plain AttributeError, while
the Tunix backend and its preflight trace a model. Every other error keeps its whole message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jax._src.interpreters import partial_eval

_TRACER: Any = getattr(partial_eval, "DynamicJaxprTracer", None)
# The class's own `sharding`, restored at the end; None: it inherits Tracer's, the one that walks.
_OWN_SHARDING = vars(_TRACER).get("sharding") if _TRACER is not None else None
# Scopes may nest or overlap across threads: the walk comes back when the last one ends.
_lock = threading.Lock()
_open_scopes = 0


def _no_sharding(tracer: object) -> Any:
    raise AttributeError("The 'sharding' attribute is not available on a traced value")


def _enter() -> None:
    global _open_scopes
    with _lock:
        _open_scopes += 1
        _TRACER.sharding = property(_no_sharding)


def _leave() -> None:
    global _open_scopes
    with _lock:
        _open_scopes -= 1
        if _open_scopes:
            return
        if _OWN_SHARDING is None:
            del _TRACER.sharding
        else:
            _TRACER.sharding = _OWN_SHARDING


@contextmanager
def cheap_sharding_probes() -> Iterator[None]:
    """Within it, asking a tracer for its sharding costs nothing; also a decorator. A JAX whose
    tracers have no `sharding` at all is left as it is."""
    if _TRACER is None or not hasattr(_TRACER, "sharding"):
        yield
        return
    _enter()
    try:
        yield
    finally:
        _leave()
