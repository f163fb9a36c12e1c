"""Tasks reach forked workers through shared memory (parallel.Slots), not pickled through the
pool's pipe: the same findings, scores and digest as one process, whichever way a task went; a
slot is reused only once its task is done; a task larger than a slot, and every task of a
spawned worker, still goes pickled."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest
from test_block_path import numbered_rows

from evidence.findings import Code
from evidence.validation.predictions import (
    PredictionsCheck,
    accept,
    check_predictions,
    check_range,
    parallel,
    reader,
)
from evidence.validation.predictions.rows import check_blocks


def rows(count: int, long_every: int = 0) -> list[bytes]:
    """numbered_rows; every `long_every`-th one with 20 KB more reasoning (same grade)."""
    made = numbered_rows(count)
    if long_every:
        for n in range(0, count, long_every):
            made[n] = made[n].replace(b"<reasoning>", b"<reasoning>" + b"r" * 20000, 1)
    return made


def summary(check: PredictionsCheck) -> tuple[object, ...]:
    return (check.rows, check.findings, check.scores.scorecard(), check.digest)


def one_process(path: Path) -> PredictionsCheck:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 1 << 40)
        return check_predictions(path)


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small tasks, so that slots are reused many times over; two workers at least."""
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 0)
    monkeypatch.setattr(parallel, "TASK_BYTES", 4096)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)


def spy_on_places(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each task the caller offered its slots went into one (in the caller process)."""
    placed: list[bool] = []
    place = parallel.Slots.place

    def recording(self: parallel.Slots, task: parallel.Task) -> object:
        where = place(self, task)
        placed.append(where is not None)
        return where

    monkeypatch.setattr(parallel.Slots, "place", recording)
    return placed


@pytest.mark.usefixtures("small_tasks")
def test_tasks_through_slots_give_what_one_process_gives(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    made = rows(600)
    made[100] = made[100].replace(b'"difficulty": "', b'"difficulty": "x', 1)
    made[450] = made[450].replace(b'"i450"', b'"i3"')
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(made))
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: True)
    placed = spy_on_places(monkeypatch)
    split = check_predictions(path)
    assert summary(split) == summary(one_process(path))
    assert [(f.code, f.line) for f in split.findings] == [(Code.SCHEMA_TYPE, 101),
                                                          (Code.DUPLICATE_ITEM_ID, 451)]
    assert split.digest == (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
    assert sum(placed) > parallel.IN_FLIGHT_PER_WORKER * 2  # more than there are slots: reused


@pytest.mark.usefixtures("small_tasks")
def test_a_task_larger_than_a_slot_goes_pickled(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(rows(300, long_every=50)))
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: True)
    placed = spy_on_places(monkeypatch)
    assert summary(check_predictions(path)) == summary(one_process(path))
    assert True in placed and False in placed


def test_spawned_workers_get_their_tasks_pickled(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Spawned workers share no memory (the trainer's runtime is loaded): no slots at all."""
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 0)
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: False)
    monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    placed = spy_on_places(monkeypatch)
    submitted: list[object] = []
    submit = parallel._submit
    monkeypatch.setattr(parallel, "_submit", lambda pool, slots, task, file: (
        submitted.append(slots), submit(pool, slots, task, file))[1])
    path = tmp_path / "predictions.jsonl"
    # A spawned worker reads its own module settings, so the tasks are the default's: enough
    # rows for several.
    made = rows(12000)
    for twice in (5999, 11999):  # ids given twice, a task or more apart
        made[twice] = made[twice].replace(f'"i{twice}"'.encode(), b'"i1"')
    path.write_bytes(b"".join(made))
    split = check_predictions(path)
    assert summary(split) == summary(one_process(path))
    assert [(f.code, f.line) for f in split.findings] == [(Code.DUPLICATE_ITEM_ID, 6000),
                                                          (Code.DUPLICATE_ITEM_ID, 12000)]
    assert placed == [] and submitted and set(submitted) == {None}


def test_a_slot_is_reused_only_once_its_task_is_done() -> None:
    slots = parallel.Slots(2, 64)
    first, second = Future[accept.RangeCheck](), Future[accept.RangeCheck]()
    placed = slots.place([b"a" * 10])
    assert placed is not None and placed[1] == parallel.SlotTask(0, (10,))
    slots.hold(placed[0], first)
    placed = slots.place([b"b" * 20, None])
    assert placed is not None and placed[1] == parallel.SlotTask(64, (20, -1))
    slots.hold(placed[0], second)
    assert slots.place([b"c"]) is None  # both still in a worker
    second.set_result(accept.RangeCheck())
    placed = slots.place([b"c" * 5])
    assert placed is not None and placed[1].start == 64
    assert slots.memory[64:69] == b"ccccc" and slots.memory[0:10] == b"a" * 10
    first.set_result(accept.RangeCheck())
    assert slots.place([b"x" * 65]) is None  # larger than a slot: goes pickled


def test_a_worker_checks_the_bytes_of_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker does with a slot task, run here: the blocks placed, OVERLONG included."""
    made = rows(40)
    task: parallel.Task = [b"".join(made[:20]), None, b"".join(made[20:])]
    slots = parallel.Slots(3, 1 << 16)
    placed = slots.place(task)
    assert placed is not None
    monkeypatch.setattr(parallel, "_shared", slots.memory)
    from_slot = parallel.check_task(placed[1], "predictions.jsonl", False)
    direct = check_blocks([task[0] or b"", reader.OVERLONG, task[2] or b""])
    assert (from_slot.lines, from_slot.findings, from_slot.outcomes, list(from_slot.id_digests)) \
        == (direct.lines, direct.findings, direct.outcomes, list(direct.id_digests))
    assert [(f.code, f.line) for f in from_slot.findings] == [(Code.FILE_TOO_LARGE, 21)]


def test_a_slot_task_without_the_slots_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_shared", None)
    with pytest.raises(RuntimeError, match="shared slots"):
        parallel.check_task(parallel.SlotTask(0, (1,)), "predictions.jsonl", False)


def test_portable_digests_are_the_same_in_another_interpreter() -> None:
    """What spawned workers and their caller compare: not Python's str hash, whose key each
    interpreter draws for itself."""
    ids = ["i1", "gsm8k-0001", "x" * 200, "é-ü"]
    code = ("import sys; from evidence.validation.predictions.accept import id_digests; "
            "print(list(id_digests(sys.argv[1:])))")
    there = subprocess.run([sys.executable, "-c", code, *ids], capture_output=True, text=True,
                           check=True).stdout
    assert json.loads(there) == list(accept.id_digests(ids))
    assert all(0 <= digest < 2**63 for digest in accept.id_digests(ids))


def test_the_shared_key_is_used_only_where_every_process_shares_it(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(rows(30)))
    assert one_process(path).findings == []
    assert parallel.check_task([path.read_bytes()], "p", True).shared_hash_key
    # check_range is public: its digests may be merged with other processes' by its caller.
    ranged = check_range(path, 0, path.stat().st_size)
    assert not ranged.shared_hash_key
    assert list(ranged.id_digests) == list(accept.id_digests(f"i{n}" for n in range(30)))
