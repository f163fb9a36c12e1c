"""Benchmark `evidence validate`: predictions throughput against the JSON parse floor, its
wall time against reading the run once, peak memory on a large run, start-up time against bare
Python, and the CPU cost of each stage of the predictions check.

    .venv/bin/python bench/validate_bench.py --rows 1000000 --json

Ratios are against baselines measured in the same run, the two taking turns, since these
machines are noisy. With --json the last line is one JSON object of every figure, each named
for what it is, then its unit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

from evidence.io.atomic import write_bytes_atomic, write_model_atomic
from evidence.io.digest import CHUNK_BYTES, describe_artifact
from evidence.logs.protocol import format_line
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EvalSummary
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import (
    ConfigRef,
    DeviceInfo,
    GitState,
    ModelRef,
    RunManifestV1,
    Timings,
)
from evidence.scoring.grader import Columns, grade, grade_columns
from evidence.scoring.scorecard import ScoreAccumulator
from evidence.validation.predictions import check_predictions, parallel, shape
from evidence.validation.predictions.accept import claims_hold, id_digests
from evidence.validation.predictions.parallel import worker_count
from evidence.validation.predictions.proof import colons_prove_no_duplicate, count_byte
from evidence.validation.predictions.reader import read_blocks
from evidence.validation.predictions.rows import as_array

T = TypeVar("T")

SECTIONS = ["arithmetic", "algebra", "logic", "word_problems", "number_theory"]
DIFFICULTIES = ["easy", "medium", "hard"]
STEPS = ["First, restate what is asked and note the quantities involved.",
         "Next, set up the relation between them and simplify it step by step.",
         "Then check the intermediate result against the constraints of the problem.",
         "Finally, compute the value and make sure the units and the sign are right."]


def response_for(index: int) -> tuple[str, str]:
    """A unique response of realistic length (about 300 to 900 characters), and its reference.
    Every row differs, so no cache can make the grader look faster than it is."""
    a, b = index % 997, index % 113
    reasoning = " ".join(STEPS[: 1 + index % 4]) * (1 + index % 3)
    reasoning += f" We have {a} and {b}, so {a} + {b} = {a + b}."
    reference = str(a + b)
    match index % 4:
        case 0:
            return f"<reasoning>{reasoning}</reasoning>\n<answer>{a + b}</answer>", reference
        case 1:
            return f"<reasoning>{reasoning}</reasoning><answer>{a + b + 1}</answer>", reference
        case 2:
            return f"{reasoning} The answer is {a + b}.", reference
        case _:
            return f"<reasoning>{reasoning}</reasoning><answer>{a + b:,}.</answer>", reference


def write_predictions(path: Path, rows: int) -> ScoreAccumulator:
    """Rows graded by the grader, so that they validate."""
    scores = ScoreAccumulator()
    with path.open("wb") as handle:
        for index in range(rows):
            response, reference = response_for(index)
            result = grade(response, reference)
            section = SECTIONS[index % 5]
            category = f"{section}-{index % 7}"
            difficulty = DIFFICULTIES[index % 3]
            handle.write(orjson.dumps({
                "item_id": f"item-{index:07d}", "section": section, "category": category,
                "difficulty": difficulty, "response": response,
                "extracted_answer": result.extracted_answer, "reference_answer": reference,
                "correct": result.correct, "format_ok": result.format_ok}) + b"\n")
            scores.add(section, category, difficulty, result.correct, result.format_ok)
    return scores


KAGGLE = (("kaggle_notebook_url", "https://www.kaggle.com/code/a/b"),
          ("kaggle_notebook_version", 1), ("kaggle_run_id", 1))


def write_run(run_dir: Path, rows: int) -> None:
    run_dir.mkdir(parents=True)
    scores = write_predictions(run_dir / "predictions.jsonl", rows)
    dataset = DatasetRef(name="bench", version="1", sha256="0" * 64, train_items=0,
                         eval_items=rows)
    write_model_atomic(run_dir / "eval_summary.json", EvalSummary(
        schema_version="1.0", run_id="bench", mode="smoke", dataset=dataset,
        predictions_schema_version="1.0", scorecard=scores.scorecard()))
    now = datetime.now(UTC)
    # A run with Kaggle fields carries the log that states them.
    log = [format_line("run_manifest", "/run_id", "bench"),
           *(format_line("run_manifest", f"/kaggle/{name}", value) for name, value in KAGGLE)]
    write_bytes_atomic(run_dir / "kaggle_output_log.txt", ("\n".join(log) + "\n").encode())
    write_model_atomic(run_dir / "run_manifest.json", RunManifestV1(
        schema_version="1.0", run_id="bench", mode="smoke",
        model=ModelRef(id="bench", revision=None, family="gpt2", dtype="float32",
                       parameter_count=1),
        config=ConfigRef(path="bench.yaml", sha256="0" * 64),
        smoke_config=ConfigRef(path="bench-smoke.yaml", sha256="1" * 64), dataset=dataset,
        git=GitState(commit=None, dirty=False), packages={}, steps=0,
        device=DeviceInfo(platform="cpu", kind="cpu", count=1),
        timings=Timings(started_at=now, finished_at=now, train_seconds=0, eval_seconds=0),
        artifacts=[describe_artifact(run_dir, name)
                   for name in ("predictions.jsonl", "eval_summary.json",
                                "kaggle_output_log.txt")],
        kaggle=KaggleFields(**dict(KAGGLE))))


def parse_floor(path: Path) -> float:
    """Seconds to read the file and parse every line with the fastest parser installed."""
    start = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            orjson.loads(line)
    return time.perf_counter() - start


def read_once(run_dir: Path, digest: bool) -> float:
    """Seconds to read every file of the run once, in order (and hash it, with `digest`): what
    `validate` cannot go below, since it must read each byte and digest every artifact."""
    start = time.perf_counter()
    for path in sorted(run_dir.iterdir()):
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                if digest:
                    sha.update(chunk)
    return time.perf_counter() - start


def timed_validate(run_dir: Path, passes: int) -> tuple[float, float]:
    """(least wall seconds, peak RSS in MB) of `evidence validate` in a fresh process, `passes`
    times: the first run after writing 609 MB competes with the kernel flushing them to disk."""
    walls = []
    for _ in range(passes):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "evidence", "validate", "--json",
                                 str(run_dir)], capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"validate failed: {result.stdout[:2000]!r} "
                             f"{result.stderr[:2000]!r}")
    # ru_maxrss of children is the largest of any child so far: these are the first children.
    return min(walls), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def median_wall(command: list[str], repeats: int) -> float:
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


class StageClock:
    """CPU seconds per stage, summed over blocks: each stage of the block path timed in turn,
    on one block at a time, as `check_blocks` runs them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, stage: str, step: Callable[..., T], *args: Any) -> T:
        start = time.process_time()
        value = step(*args)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.process_time() - start
        return value


def _grade_block(parsed: list[shape.Row]) -> Columns:
    return grade_columns(map(shape.response, parsed), map(shape.reference, parsed))


def _tally(parsed: list[shape.Row]) -> None:
    Counter().update(map(shape.labels, parsed))


def _digests(parsed: list[shape.Row]) -> None:
    array("q").extend(id_digests(map(shape.item_id, parsed), shared_hash_key=True))


def stage_costs(path: Path, most_rows: int) -> tuple[dict[str, float], int]:
    """Microseconds of CPU per row for each stage of the predictions check, in one process, over
    the first `most_rows` rows (whole blocks)."""
    clock, rows, sha = StageClock(), 0, hashlib.sha256()
    with path.open("rb") as handle:
        pieces = read_blocks(handle)
        while rows < most_rows and (block := clock.run("read", next, pieces, None)):
            clock.run("sha256", sha.update, block)
            lines = clock.run("count lines", count_byte, block, b"\n")
            joined = clock.run("join lines", as_array, block)
            parsed = clock.run("decode", shape.decode, joined)
            assert parsed is not None and len(parsed) == lines, "one valid row a line"
            assert clock.run("duplicate-key proof", colons_prove_no_duplicate, block, parsed)
            regraded = clock.run("re-grade", _grade_block, parsed)
            assert clock.run("compare claims", claims_hold, parsed, regraded)
            clock.run("tally", _tally, parsed)
            clock.run("id digests", _digests, parsed)
            rows += lines
            del parsed, regraded  # freed before the next block, as check_blocks frees them
    return {name: seconds * 1e6 / rows for name, seconds in clock.seconds.items()}, rows


def in_one_process(path: Path) -> None:
    """check_predictions as validate runs it (hashing included), without workers."""
    above, parallel.PARALLEL_ABOVE_BYTES = parallel.PARALLEL_ABOVE_BYTES, 1 << 62
    try:
        check_predictions(path)
    finally:
        parallel.PARALLEL_ABOVE_BYTES = above


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the check's workers)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def best_of(passes: int, *steps: Callable[[], object]) -> list[tuple[float, float]]:
    """The least (wall seconds, CPU seconds) of each step over `passes` rounds, the steps taking
    turns, so that a busy moment of the machine falls on all of them alike. CPU time is what a
    machine shared with other work disturbs least."""
    best = [(float("inf"), float("inf"))] * len(steps)
    for _ in range(passes):
        for index, step in enumerate(steps):
            start, cpu = time.perf_counter(), cpu_seconds()
            step()
            wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
            best[index] = (min(best[index][0], wall), min(best[index][1], cpu))
    return best


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    big = tmp / "big"
    write_run(big, args.rows)
    load_before = load_average()
    validate_wall, peak_mb = timed_validate(big, args.passes)
    (read_floor, _), (hash_floor, _) = best_of(
        args.passes, lambda: read_once(big, digest=False), lambda: read_once(big, digest=True))
    predictions = big / "predictions.jsonl"
    file_bytes = predictions.stat().st_size
    check = check_predictions(predictions)
    assert not check.findings, check.findings[:3]
    (floor, floor_cpu), (check_seconds, check_cpu), (one_process_seconds, one_cpu) = best_of(
        args.passes, lambda: parse_floor(predictions), lambda: check_predictions(predictions),
        lambda: in_one_process(predictions))
    stages, stage_rows = stage_costs(predictions, min(args.rows, args.stage_rows))
    small = tmp / "small"
    write_run(small, 100)
    bare = median_wall([sys.executable, "-c", "pass"], args.repeats)
    startup = median_wall([sys.executable, "-m", "evidence", "validate", str(small)],
                          args.repeats)
    return {
        "rows": args.rows,
        "file_mb": round(file_bytes / 1e6, 1),
        "cpu_count": os.cpu_count(),
        "processes_checking": worker_count() + 1 if file_bytes >= parallel.PARALLEL_ABOVE_BYTES
        else 1,
        "load_average_before": load_before,
        "parse_floor_s": round(floor, 3),
        "parse_floor_rows_per_s": round(args.rows / floor),
        "check_s": round(check_seconds, 3),
        "rows_per_s": round(args.rows / check_seconds),
        "ratio_to_parse_floor": round(floor / check_seconds, 3),
        "one_process_rows_per_s": round(args.rows / one_process_seconds),
        "one_process_ratio_to_parse_floor": round(floor / one_process_seconds, 3),
        "parse_floor_cpu_s": round(floor_cpu, 3),
        "check_cpu_s": round(check_cpu, 3),
        "one_process_cpu_s": round(one_cpu, 3),
        # What each core's worth of the check gives against the floor's one core: on k cores
        # kept busy the wall-time ratio comes to about k times this, less the serial part.
        "cpu_ratio_to_parse_floor": round(floor_cpu / check_cpu, 3),
        "validate_wall_s": round(validate_wall, 2),
        "read_once_floor_s": round(read_floor, 3),
        "read_and_hash_once_floor_s": round(hash_floor, 3),
        "wall_to_read_once_ratio": round(validate_wall / read_floor, 2),
        "peak_memory_mb": round(peak_mb, 1),
        "bare_python_s": round(bare, 3),
        "validate_small_run_s": round(startup, 3),
        "startup_above_python_s": round(startup - bare, 3),
        "stage_rows": stage_rows,
        **{f"stage_{name.replace(' ', '_').replace('-', '_')}_us_per_row": round(cost, 3)
           for name, cost in stages.items()},
        "stages_total_us_per_row": round(sum(stages.values()), 3),
        "parse_floor_us_per_row": round(floor * 1e6 / args.rows, 3),
        "load_average_after": load_average(),
    }


def print_figures(results: dict[str, object], as_json: bool) -> None:
    """One figure a line, then (with --json) all of them as one JSON object on the last line."""
    for name, value in results.items():
        print(f"{name:40s} {value}")
    if as_json:
        print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15, help="start-up runs (median)")
    parser.add_argument("--passes", type=int, default=3,
                        help="rounds of the throughput figures (the best of each)")
    parser.add_argument("--stage-rows", type=int, default=300_000,
                        help="rows the per-stage costs are measured over")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as one JSON object on the last line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args, Path(tmp))
    print_figures(results, args.json)


if __name__ == "__main__":
    main()
