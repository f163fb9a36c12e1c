"""Spreading the rows of a large predictions file across processes while the file is read once.

The calling process reads the file in order, through the hashing reader, and hands a few blocks
at a time to worker processes (one a core, less its own): the digest that validate compares
with the manifest is then of exactly the bytes that were parsed, and no byte is read twice.
(Workers that each read a range would each hash a piece, and SHA-256 cannot be put together
from pieces.) When every worker has enough to do, the caller checks the next task itself.
Results come back in file order, a few tasks in flight at most, so memory stays flat.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from evidence.validation.predictions.accept import RangeCheck
from evidence.validation.predictions.reader import OVERLONG, Readable, read_blocks
from evidence.validation.predictions.rows import check_blocks

if TYPE_CHECKING:
    from concurrent.futures import Future

# Below this size one process is faster than starting workers.
PARALLEL_ABOVE_BYTES = 32 * 1024 * 1024
# What one task carries: enough rows that handing it over costs little per row.
TASK_BYTES = 2 * 1024 * 1024
IN_FLIGHT_PER_WORKER = 2
# Parts kept waiting for the one before them to be done: memory stays flat.
MAX_PENDING = 16
MAX_WORKERS = 7

# A task crosses to its worker pickled, and OVERLONG's identity would not survive that.
Task = list[bytes | None]


def _fork_is_safe() -> bool:
    """fork shares the loaded models with the workers for free, but is unsafe once a runtime
    with threads of its own is loaded (the trainer validates its own output with JAX loaded)."""
    threaded = {"jax", "torch", "tensorflow"} & sys.modules.keys()
    return sys.platform.startswith("linux") and not threaded


def worker_count() -> int:
    """One worker a core, less the caller's own (it checks tasks too, see _in_workers)."""
    return min((os.cpu_count() or 1) - 1, MAX_WORKERS)


def _tasks(pieces: Iterable[bytes]) -> Iterator[Task]:
    task: Task = []
    size = 0
    for piece in pieces:
        task.append(None if piece is OVERLONG else piece)
        size += len(piece)
        if size >= TASK_BYTES:
            yield task
            task, size = [], 0
    if task:
        yield task


def check_task(task: Task, file: str) -> RangeCheck:
    """A worker's share: consecutive blocks, line numbers counted from the task's first line."""
    return check_blocks((OVERLONG if piece is None else piece for piece in task), file)


def _result(part: Future[RangeCheck] | RangeCheck) -> RangeCheck:
    return part if isinstance(part, RangeCheck) else part.result()


def _in_workers(pieces: Iterable[bytes], file: str, workers: int) -> Iterator[RangeCheck]:
    """Tasks go to the workers while they have fewer than IN_FLIGHT_PER_WORKER each; when they
    all have that many, the caller checks the next task itself rather than wait: so every core
    is kept busy, this one included, and a task it checks is never copied to another process."""
    # Imported here: most runs are small, and validate's start-up is a pre-commit hook's.
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing import get_context

    context = get_context("fork" if _fork_is_safe() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[RangeCheck] | RangeCheck] = deque()
        for task in _tasks(pieces):
            busy = sum(isinstance(part, Future) and not part.done() for part in pending)
            if busy < IN_FLIGHT_PER_WORKER * workers:
                pending.append(pool.submit(check_task, task, file))
            else:
                pending.append(check_task(task, file))
            # In file order; waiting only when too much has piled up behind the first part.
            while pending and (len(pending) > MAX_PENDING or not isinstance(pending[0], Future)
                               or pending[0].done()):
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def check_read(handle: Readable, size: int, file: str) -> Iterator[RangeCheck]:
    """The checks of what `handle` holds, from its start to its end, in consecutive parts in
    file order; `size` (the file's size when opened) decides whether workers are worth it."""
    pieces = read_blocks(handle)
    workers = worker_count()
    if size < PARALLEL_ABOVE_BYTES or workers < 1:
        yield check_blocks(pieces, file)
    else:
        yield from _in_workers(pieces, file, workers)
