"""While the Tunix backend traces a model, probing a tracer for its sharding costs no walk over
the equations traced so far, and the probe still answers as before."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from jax._src.interpreters import partial_eval
from tunix_models import smoke_config, tiny_section

from training.backends import backend_for
from training.backends.tunix import lora, models, probes
from training.backends.tunix.probes import cheap_sharding_probes
from training.config import load_config
from training.preflight import tunix_step
from training.preflight.step_model import step_model_for
from training.preflight.tunix_preflight import TunixStep

PROBES = 50
TINY_LORA = Path(__file__).parents[2] / "fixtures" / "preflight" / "tunix_tiny_lora.yaml"


def probing(x: jax.Array) -> jax.Array:
    """What NNX's Variable.set_value does on each assignment while traced."""
    for _ in range(PROBES):
        x = x + 1
        assert getattr(x, "sharding", None) is None
        assert not hasattr(x, "sharding")
    return x


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times JAX walked the traced equations back to a value's origin."""
    counted: list[int] = []
    frame = partial_eval.JaxprStackFrame
    walk = frame.find_progenitors

    def counting(self: Any, tracer: Any) -> Any:
        counted.append(1)
        return walk(self, tracer)

    monkeypatch.setattr(frame, "find_progenitors", counting)
    return counted


def test_outside_the_scope_every_probe_walks_the_trace(walks: list[int]) -> None:
    jax.make_jaxpr(probing)(jnp.zeros(3))
    assert len(walks) == 2 * PROBES


def test_within_it_no_probe_walks_and_the_result_is_the_same(walks: list[int]) -> None:
    with cheap_sharding_probes():
        inside = jax.make_jaxpr(probing)(jnp.zeros(3))
    assert walks == []
    assert str(inside) == str(jax.make_jaxpr(probing)(jnp.zeros(3)))


def test_other_tracer_errors_still_name_the_traced_function() -> None:
    def concrete(x: jax.Array) -> jax.Array:
        return x if bool(x.sum() > 0) else -x

    with cheap_sharding_probes(), pytest.raises(jax.errors.TracerBoolConversionError,
                                                match="while tracing the function concrete"):
        jax.jit(concrete)(jnp.ones(3))


def sharding() -> Any:
    return vars(partial_eval.DynamicJaxprTracer).get("sharding")


def test_nested_and_overlapping_scopes_restore_the_walk_when_the_last_ends() -> None:
    original = sharding()
    entered, release = threading.Event(), threading.Event()

    def other_thread() -> None:
        with cheap_sharding_probes():
            entered.set()
            release.wait(10)

    worker = threading.Thread(target=other_thread)
    with cheap_sharding_probes():
        worker.start()
        entered.wait(10)
        with cheap_sharding_probes():
            pass
    assert sharding() is not original  # the thread's is still open
    release.set()
    worker.join(10)
    assert sharding() is original
    assert hasattr(jnp.zeros(1), "sharding")  # a concrete array's own, untouched


def test_a_jax_without_that_tracer_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probes, "_TRACER", None)
    before = sharding()
    with cheap_sharding_probes():
        assert sharding() is before


def tiny_model() -> Any:
    return models.build_random("gemma3", models.tiny_config(tiny_section(), 512), seed=0)


def test_the_backend_builds_and_adapts_a_model_without_a_walk(walks: list[int]) -> None:
    method = smoke_config().config.method
    assert method.kind == "lora"
    lora.apply_method.__wrapped__(tiny_model(), method, 0)  # as it would be, undecorated
    assert walks, "qwix and NNX probe the adapter's tracers"
    walks.clear()
    adapted = lora.apply_method(tiny_model(), method, 0)
    lora.merged_model(adapted, method)
    assert walks == []


def test_the_preflight_traces_its_model_and_step_without_a_walk(walks: list[int]) -> None:
    loaded = load_config(str(TINY_LORA))
    backend = backend_for(loaded.config.backend)
    step = step_model_for(backend, loaded.config, backend.describe(loaded.config.model))
    assert isinstance(step, TunixStep)
    plan = step.plan(loaded.config)
    tunix_step.lower_tunix_step(plan, step.trainer(plan), jax.devices("cpu")[:1])
    assert walks == []
