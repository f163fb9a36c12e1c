"""Splitting a large predictions file across processes, at line boundaries."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from evidence.validation.predictions.reader import line_ranges
from evidence.validation.predictions.rows import RangeCheck, check_range

# Below this size one process is faster than starting workers.
PARALLEL_ABOVE_BYTES = 32 * 1024 * 1024


def _fork_is_safe() -> bool:
    """fork shares the loaded models with the workers for free, but is unsafe once a runtime
    with threads of its own is loaded (the trainer validates its own output with JAX loaded)."""
    threaded = {"jax", "torch", "tensorflow"} & sys.modules.keys()
    return sys.platform.startswith("linux") and not threaded


def check_ranges(path: Path, file: str) -> list[RangeCheck]:
    size = path.stat().st_size
    workers = min(os.cpu_count() or 1, 8)
    if size < PARALLEL_ABOVE_BYTES or workers < 2:
        return [check_range(path, 0, size, file)]
    # Imported here: most runs are small, and validate's start-up is a pre-commit hook's.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    ranges = line_ranges(path, workers)
    context = get_context("fork" if _fork_is_safe() else "spawn")
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        futures = [pool.submit(check_range, path, start, end, file) for start, end in ranges]
        return [future.result() for future in futures]
