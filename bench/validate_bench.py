"""Benchmark `evidence validate`: predictions throughput against the JSON parse floor, peak
memory on a large run, and start-up time against bare Python.

    .venv/bin/python bench/validate_bench.py --rows 1000000

Ratios are against baselines measured in the same run, since these machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from evidence.io.atomic import write_bytes_atomic, write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.logs.protocol import format_line
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EvalSummary
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import ConfigRef, DeviceInfo, GitState, ModelRef, RunManifest, Timings
from evidence.scoring.grader import grade
from evidence.scoring.scorecard import ScoreAccumulator
from evidence.validation.predictions import check_predictions, check_range

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
    write_model_atomic(run_dir / "run_manifest.json", RunManifest(
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


def timed_validate(run_dir: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `evidence validate` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "evidence", "validate", "--json",
                             str(run_dir)], capture_output=True, check=False)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise SystemExit(f"validate failed: {result.stdout[:2000]!r} {result.stderr[:2000]!r}")
    # ru_maxrss of children is the largest child so far: measure this first, on a fresh process.
    return wall, max(peak, before) / 1024


def median_wall(command: list[str], repeats: int) -> float:
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big"
        write_run(big, args.rows)
        validate_wall, peak_mb = timed_validate(big)
        predictions = big / "predictions.jsonl"
        file_bytes = predictions.stat().st_size
        floor = parse_floor(predictions)
        start = time.perf_counter()
        check = check_predictions(predictions)
        check_seconds = time.perf_counter() - start
        assert not check.findings, check.findings[:3]
        start = time.perf_counter()
        check_range(predictions, 0, file_bytes)
        one_process_seconds = time.perf_counter() - start
        small = Path(tmp) / "small"
        write_run(small, 100)
        bare = median_wall([sys.executable, "-c", "pass"], args.repeats)
        startup = median_wall([sys.executable, "-m", "evidence", "validate", str(small)],
                              args.repeats)
    results = {
        "rows": args.rows,
        "file_mb": round(file_bytes / 1e6, 1),
        "parse_floor_rows_per_s": round(args.rows / floor),
        "check_rows_per_s": round(args.rows / check_seconds),
        "ratio_to_floor": round(floor / check_seconds, 3),
        "one_process_rows_per_s": round(args.rows / one_process_seconds),
        "one_process_ratio_to_floor": round(floor / one_process_seconds, 3),
        "validate_wall_s": round(validate_wall, 2),
        "validate_peak_rss_mb": round(peak_mb, 1),
        "bare_python_s": round(bare, 3),
        "validate_small_run_s": round(startup, 3),
        "startup_above_bare_s": round(startup - bare, 3),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
