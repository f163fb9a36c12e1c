"""--find-max-batch: the largest batch that fits, at the config's gradient accumulation and
sequence length. Batches step by the device count (each device gets whole rows): from the
config's own batch, doubling until one does not fit, then halving the gap. Repeats are cheap:
the figures of every shape already compiled are cached (`figures_cache`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from training.config import RunConfig
from training.preflight.alternatives import variant
from training.preflight.engine import Evaluation, Evaluator

MAX_MICRO_BATCH = 4096  # rows per micro-batch; the search stops there


@dataclass
class BatchSearch:
    largest: Evaluation | None = None  # the largest batch that fits, None if not even one row
    tried: list[tuple[int, bool]] = field(default_factory=list)  # (batch_size, fits)
    note: str | None = None


def largest_batch(evaluator: Evaluator, run: RunConfig) -> BatchSearch:
    search = BatchSearch()
    if not evaluator.grows_with_the_batch:
        search.note = ("the analytic floor does not grow with the batch, so without a compiler "
                       "for this target there is no largest batch to find")
        return search
    devices, accum = evaluator.resolved.target.devices, run.train.grad_accum

    def fits(rows_per_device: int) -> bool:
        config = variant(run, "train", batch_size=rows_per_device * devices * accum)
        if config is None:
            return False
        evaluation = evaluator.evaluate(config)
        ok = not evaluation.findings and evaluation.estimate is not None and \
            evaluation.estimate.fits
        search.tried.append((config.train.batch_size, ok))
        if ok and (search.largest is None or
                   search.largest.run.train.batch_size < config.train.batch_size):
            search.largest = evaluation
        return ok

    start = max(run.train.micro_batch_size // devices, 1)  # the config's own rows per device
    low, high = 0, start  # low fits (0: nothing does), high does not
    if fits(start):
        low = start
        while low * 2 * devices <= MAX_MICRO_BATCH and fits(low * 2):
            low *= 2
        if low * 2 * devices > MAX_MICRO_BATCH:
            search.note = f"stopped at {MAX_MICRO_BATCH} rows per micro-batch"
            return search
        high = low * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return search
