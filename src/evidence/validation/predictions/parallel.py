"""Spreading the rows of a large predictions file across processes while the file is read once.

The calling process reads the file in order, through the hashing reader, and hands a few blocks
at a time to worker processes (one a core, less its own): the digest that validate compares
with the manifest is then of exactly the bytes that were parsed, and no byte is read twice.
(Workers that each read a range would each hash a piece, and SHA-256 cannot be put together
from pieces.) When every worker has enough to do, the caller checks the next task itself.
Results come back in file order, a few tasks in flight at most, so memory stays flat.

A task reaches a forked worker through memory the two share (`Slots`): the caller copies the
blocks it hashed into a slot and sends only where they lie. Pickled through the pool's pipe,
600 MiB of tasks cost about 1.7 s of CPU on their own, a quarter of what checking them costs.
A spawned worker (the trainer's runtime loaded) shares nothing, so its tasks go pickled.
"""

from __future__ import annotations

import mmap
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evidence.validation.predictions import reader
from evidence.validation.predictions.accept import RangeCheck
from evidence.validation.predictions.reader import OVERLONG, Readable, read_blocks
from evidence.validation.predictions.rows import check_blocks

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

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


@dataclass(frozen=True, slots=True)
class SlotTask:
    """A task in the shared slots: its blocks lie one after another from `start`, `sizes` long
    (OVERLONG as -1)."""

    start: int
    sizes: tuple[int, ...]


# The slots, in a worker forked from the caller (`_attach`).
_shared: mmap.mmap | None = None


def _attach(memory: mmap.mmap) -> None:
    global _shared
    _shared = memory


class Slots:
    """One slot of shared memory for each task that may be in a worker at once. Anonymous
    memory that only the caller writes: a worker parses a copy of exactly the bytes the caller
    hashed, whatever happens to the file meanwhile. A slot is free again once its task is done."""

    def __init__(self, count: int, size: int) -> None:
        self.memory = mmap.mmap(-1, count * size)  # MAP_SHARED: a forked worker sees it
        self.size = size
        self._users: list[Future[RangeCheck] | None] = [None] * count

    def place(self, task: Task) -> tuple[int, SlotTask] | None:
        """(slot, where the task lies) once copied into a free slot; None when none is free or
        the task is larger than a slot (a line of megabytes), which then goes pickled."""
        sizes = tuple(-1 if piece is None else len(piece) for piece in task)
        free = next((index for index, user in enumerate(self._users)
                     if user is None or user.done()), None)
        if free is None or sum(size for size in sizes if size > 0) > self.size:
            return None
        offset = start = free * self.size
        for piece in task:
            if piece is not None:
                self.memory[offset:offset + len(piece)] = piece
                offset += len(piece)
        return free, SlotTask(start, sizes)

    def hold(self, slot: int, user: Future[RangeCheck]) -> None:
        self._users[slot] = user


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


def _pieces(task: Task | SlotTask) -> Iterator[bytes]:
    if isinstance(task, list):
        yield from (OVERLONG if piece is None else piece for piece in task)
        return
    if _shared is None:
        raise RuntimeError("a slot task reached a process without the shared slots")
    offset = task.start
    for size in task.sizes:
        if size < 0:
            yield OVERLONG
        else:
            yield _shared[offset:offset + size]
            offset += size


def check_task(task: Task | SlotTask, file: str, shared_hash_key: bool) -> RangeCheck:
    """A worker's share: consecutive blocks, line numbers counted from the task's first line."""
    return check_blocks(_pieces(task), file, shared_hash_key)


def _result(part: Future[RangeCheck] | RangeCheck) -> RangeCheck:
    return part if isinstance(part, RangeCheck) else part.result()


def _pool(workers: int, slots: Slots | None) -> ProcessPoolExecutor:
    # Imported here: most runs are small, and validate's start-up is a pre-commit hook's.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if slots is None:
        return ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    return ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_attach,
                               initargs=(slots.memory,))


def _submit(pool: ProcessPoolExecutor, slots: Slots | None, task: Task,
            file: str) -> Future[RangeCheck]:
    # Forked workers share the caller's str hash key; spawned ones (no slots) do not.
    placed = None if slots is None else slots.place(task)
    if slots is None or placed is None:
        return pool.submit(check_task, task, file, slots is not None)
    slot, where = placed
    future = pool.submit(check_task, where, file, True)
    slots.hold(slot, future)
    return future


def _in_workers(pieces: Iterable[bytes], file: str, workers: int) -> Iterator[RangeCheck]:
    """Tasks go to the workers while they have fewer than IN_FLIGHT_PER_WORKER each; when they
    all have that many, the caller checks the next task itself rather than wait: so every core
    is kept busy, this one included, and a task it checks is never copied to another process."""
    from concurrent.futures import Future

    in_flight = IN_FLIGHT_PER_WORKER * workers
    forked = _fork_is_safe()
    slots = Slots(in_flight, TASK_BYTES + 2 * reader.BLOCK_BYTES) if forked else None
    with _pool(workers, slots) as pool:
        pending: deque[Future[RangeCheck] | RangeCheck] = deque()
        for task in _tasks(pieces):
            busy = sum(isinstance(part, Future) and not part.done() for part in pending)
            if busy < in_flight:
                pending.append(_submit(pool, slots, task, file))
            else:
                pending.append(check_task(task, file, shared_hash_key=forked))
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
        yield check_blocks(pieces, file, shared_hash_key=True)
    else:
        yield from _in_workers(pieces, file, workers)
