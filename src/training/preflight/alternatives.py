"""When a config does not fit: the nearest configs that do.

"Nearest" first: a smaller micro-batch at the same batch (more gradient accumulation: the same
training, only slower), then Adafactor instead of AdamW, then parameter sharding over the mesh,
then (Tunix, LoRA) the base weights in nf4 (QLoRA), then a shorter sequence, each alone before
any two together. A candidate whose analytic floor is already over the budget is dropped
without compiling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from pydantic import ValidationError

from training.config import RunConfig
from training.errors import TrainingError
from training.preflight.engine import Evaluation, Evaluator


@dataclass(frozen=True)
class Alternative:
    change: str  # in the config's own keys, e.g. "train.grad_accum 2 -> 4"
    evaluation: Evaluation


def variant(run: RunConfig, section: str, **changes: Any) -> RunConfig | None:
    """The config with some keys of one section changed, or None if that is no valid config."""
    data = run.model_dump()
    data[section] = {**data[section], **changes}
    try:
        return RunConfig.model_validate(data)
    except ValidationError:
        return None


def _micro_steps(run: RunConfig, devices: int) -> Iterator[tuple[str, RunConfig]]:
    """Same batch, micro-batch halved again and again, while it still splits over the devices."""
    accum = run.train.grad_accum
    while run.train.batch_size % (accum * 2) == 0 and \
            (run.train.batch_size // (accum * 2)) % devices == 0:
        accum *= 2
        changed = variant(run, "train", grad_accum=accum)
        if changed is not None:
            yield f"train.grad_accum {run.train.grad_accum} -> {accum}", changed


Change = tuple[str, Callable[[RunConfig], "RunConfig | None"]]


def _structural(run: RunConfig, devices: int) -> list[Change]:
    """The changes that apply to this config, each as a function, so that two can combine."""
    changes: list[Change] = []
    if run.train.optimizer == "adamw":
        changes.append(("train.optimizer adamw -> adafactor",
                        lambda config: variant(config, "train", optimizer="adafactor")))
    if run.sharding.strategy == "data_parallel" and devices > 1:
        changes.append(("sharding.strategy data_parallel -> fsdp",
                        lambda config: variant(config, "sharding", strategy="fsdp")))
    if run.backend == "tunix" and run.method.kind == "lora":  # the same adapter, base in nf4
        changes.append(("method.kind lora -> qlora",
                        lambda config: variant(config, "method", kind="qlora")))
    shorter = run.data.max_seq_len // 2
    changes.append((f"data.max_seq_len {run.data.max_seq_len} -> {shorter} (if every example "
                    "is that short)", lambda config: variant(config, "data", max_seq_len=shorter)))
    return changes


def candidates(run: RunConfig, devices: int) -> Iterator[tuple[str, RunConfig]]:
    """Every candidate, nearest first."""
    yield from _micro_steps(run, devices)
    changes = _structural(run, devices)
    singles = [(name, changed) for name, change in changes
               if (changed := change(run)) is not None]
    yield from singles
    for name, changed in singles:
        yield from ((f"{name}, {micro}", smaller)
                    for micro, smaller in _micro_steps(changed, devices))
    for (first, change), (second, then) in combinations(changes, 2):
        once = change(run)
        twice = then(once) if once is not None else None
        if twice is not None:
            yield f"{first}, {second}", twice


def nearest_that_fit(evaluator: Evaluator, run: RunConfig, want: int, max_tries: int = 8,
                     misses: list[Alternative] | None = None) -> list[Alternative]:
    """Up to `want` configs that fit, nearest first, after at most `max_tries` estimates; the
    ones estimated that do not fit go to `misses` (to say how near the nearest came)."""
    found: list[Alternative] = []
    devices = evaluator.resolved.target.devices
    tries = 0
    for change, config in candidates(run, devices):
        if len(found) >= want or tries >= max_tries:
            break
        try:
            if not evaluator.floor(config).fits:
                continue  # over the budget before a single activation: no compile needed
            tries += 1
            evaluation = evaluator.evaluate(config)
        except TrainingError:
            continue  # a candidate the model cannot take (a QLoRA tile that does not divide)
        if not evaluation.findings and evaluation.estimate is not None:
            if evaluation.estimate.fits:
                found.append(Alternative(change, evaluation))
            elif misses is not None:
                misses.append(Alternative(change, evaluation))
    return found


def closest(misses: list[Alternative]) -> Alternative | None:
    """The estimated config that came nearest to fitting."""
    estimated = [miss for miss in misses if miss.evaluation.estimate is not None]
    return min(estimated, default=None,
               key=lambda miss: miss.evaluation.estimate.needed_bytes)  # type: ignore[union-attr]
