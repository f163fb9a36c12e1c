"""Benchmark `evidence compare`: the whole comparison of two large runs against validating the
same two runs alone, measured side by side in one run (these machines are noisy).

    .venv/bin/python bench/compare_bench.py --rows 1000000

Both runs have the same items; the candidate fixes one item in 40 and breaks one in 80, so the
comparison has real flips to list (with both responses). Goal: compare within 2.5x of
validating the two runs alone. With --json the figures are one JSON object on the last line.
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

from evidence.io.atomic import write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.models.dataset import DatasetRef
from evidence.models.eval_summary import EvalSummary
from evidence.models.manifest import ConfigRef, DeviceInfo, GitState, ModelRef, RunManifest, Timings
from evidence.scoring.grader import grade
from evidence.scoring.scorecard import ScoreAccumulator

SECTIONS = ["arithmetic", "algebra", "logic", "word_problems", "number_theory"]
DIFFICULTIES = ["easy", "medium", "hard"]
REASONING = ("First, restate what is asked and note the quantities involved. Next, set up the "
             "relation between them and simplify it step by step. ")


def response(index: int, candidate: bool) -> tuple[str, str]:
    """A unique response of realistic length and its reference. The baseline is right on three
    items in four; the candidate fixes one item in 40 and breaks one in 80."""
    a, b = index % 997, index % 113
    right = index % 4 != 1
    if candidate and index % 40 == 1:
        right = True
    if candidate and index % 80 == 2:
        right = False
    answer = a + b if right else a + b + 1
    reasoning = REASONING * (1 + index % 5) + f"We have {a} and {b}, so the sum is {answer}."
    return f"<reasoning>{reasoning}</reasoning><answer>{answer}</answer>", str(a + b)


def write_run(run_dir: Path, rows: int, candidate: bool) -> None:
    run_dir.mkdir(parents=True)
    scores = ScoreAccumulator()
    with (run_dir / "predictions.jsonl").open("wb") as handle:
        for index in range(rows):
            text, reference = response(index, candidate)
            graded = grade(text, reference)
            section, difficulty = SECTIONS[index % 5], DIFFICULTIES[index % 3]
            category = f"{section}-{index % 7}"
            handle.write(orjson.dumps({
                "item_id": f"item-{index:07d}", "section": section, "category": category,
                "difficulty": difficulty, "response": text,
                "extracted_answer": graded.extracted_answer, "reference_answer": reference,
                "correct": graded.correct, "format_ok": graded.format_ok}) + b"\n")
            scores.add(section, category, difficulty, graded.correct, graded.format_ok)
    run_id = "candidate" if candidate else "baseline"
    dataset = DatasetRef(name="bench", version="1", sha256="0" * 64, train_items=0,
                         eval_items=rows)
    write_model_atomic(run_dir / "eval_summary.json", EvalSummary(
        schema_version="1.0", run_id=run_id, mode="smoke", dataset=dataset,
        predictions_schema_version="1.0", scorecard=scores.scorecard()))
    now = datetime.now(UTC)
    write_model_atomic(run_dir / "run_manifest.json", RunManifest.model_validate({
        "schema_version": "1.0", "run_id": run_id, "mode": "smoke",
        "model": ModelRef(id="bench", revision=None, family="gpt2", dtype="float32",
                          parameter_count=1),
        "config": ConfigRef(path="bench.yaml", sha256="0" * 64),
        "smoke_config": ConfigRef(path="bench-smoke.yaml", sha256="1" * 64),
        "dataset": dataset, "git": GitState(commit=None, dirty=False), "packages": {},
        "steps": 0, "device": DeviceInfo(platform="cpu", kind="cpu", count=1),
        "timings": Timings(started_at=now, finished_at=now, train_seconds=0, eval_seconds=0),
        "artifacts": [describe_artifact(run_dir, name)
                      for name in ("predictions.jsonl", "eval_summary.json")],
        # A local run: its Kaggle fields stay placeholders (compared with --allow-template).
        "kaggle": {"kaggle_notebook_url": "<FILL: kaggle_notebook_url>",
                   "kaggle_notebook_version": "<FILL: kaggle_notebook_version>",
                   "kaggle_run_id": "<FILL: kaggle_run_id>"}}))


def timed(command: list[str]) -> tuple[float, float, bytes]:
    """(wall seconds, peak RSS in MB of the largest child so far, stdout) of one command."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[3]} failed: {result.stdout[:2000]!r} {result.stderr[:2000]!r}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, result.stdout


def measure(root: Path, repeats: int) -> dict[str, float]:
    evidence = [sys.executable, "-m", "evidence"]
    runs = [str(root / "baseline"), str(root / "candidate")]
    validate = [*evidence, "validate", "--json", "--allow-template", *runs]
    compare = [*evidence, "compare", "--json", "--allow-template", *runs]
    peak = 0.0
    validate_walls, compare_walls = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine
        wall, _, _ = timed(validate)
        validate_walls.append(wall)
        wall, peak, out = timed(compare)
        compare_walls.append(wall)
    result = json.loads(out)["result"]
    validate_s, compare_s = statistics.median(validate_walls), statistics.median(compare_walls)
    return {"rows": result["overall"]["n_items"],
            "flips": result["overall"]["fixed"] + result["overall"]["broken"],
            "validate_both_s": round(validate_s, 3), "compare_s": round(compare_s, 3),
            "compare_to_validate_ratio": round(compare_s / validate_s, 3),
            "compare_peak_memory_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compare-bench-") as temp:
        root = Path(temp)
        start = time.perf_counter()
        write_run(root / "baseline", args.rows, candidate=False)
        write_run(root / "candidate", args.rows, candidate=True)
        print(f"wrote two runs of {args.rows} rows in {time.perf_counter() - start:.1f} s")
        figures = measure(root, args.repeats)
    for name, value in figures.items():
        print(f"{name:28} {value}")
    met = figures["compare_to_validate_ratio"] <= 2.5
    print(f"goal: compare_to_validate_ratio <= 2.5: {'met' if met else 'NOT met'}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
