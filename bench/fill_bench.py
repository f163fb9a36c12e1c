"""Benchmark `evidence fill` on a large console log: time and peak memory, against a tiny log
(the interpreter's own footprint) and against hashing the same file once (the I/O floor).

    .venv/bin/python bench/fill_bench.py --size-mib 1024

The log is console noise (steps, warnings, ANSI colours, progress bars redrawn with \\r), the
run's evidence lines halfway through, and one 50 MiB line with no newline at the end. Each case
runs `evidence fill` in a fresh interpreter that reports its own peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from evidence.filling.templates import LOG_FILE, write_template  # noqa: E402
from evidence.io.digest import sha256_file  # noqa: E402
from runbuilder import build_run, protocol_lines  # noqa: E402

MIB = 1024 * 1024
LONG_LINE_MIB = 50
# What `evidence fill` does, phase by phase, in a fresh interpreter that then reports its peak
# resident memory (KiB on Linux).
CHILD = """
import resource, sys, time
from pathlib import Path
from evidence.filling import FillError, plan_fill, write_fill
from evidence.validation.run import validate_run
log, run_dir = Path(sys.argv[1]), Path(sys.argv[2])
times = [time.perf_counter()]
try:
    plan = plan_fill(run_dir, log)
    times.append(time.perf_counter())
    write_fill(plan)
    times.append(time.perf_counter())
    assert validate_run(run_dir, allow_template=True).valid
    times.append(time.perf_counter())
    outcome = "filled"
except FillError as error:
    times.append(time.perf_counter())
    outcome = error.findings[0].code
phases = " ".join(f"{b - a:.2f}" for a, b in zip(times, times[1:]))
print(outcome, phases, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def noise_block() -> bytes:
    rng = random.Random(0)
    lines = [f"step {i} loss {rng.random():.4f} \x1b[33mWARNING\x1b[0m jax: slow compile "
             f"\r{rng.randint(0, 99)}%|####   |\n".encode() for i in range(15_000)]
    return b"".join(lines)[:MIB]


def write_log(path: Path, size_mib: int, evidence: list[str]) -> Path:
    block = noise_block()
    with path.open("wb") as handle:
        for index in range(size_mib - LONG_LINE_MIB):
            handle.write(block)
            if index == (size_mib - LONG_LINE_MIB) // 2 and evidence:
                handle.write(b"\n" + "\n".join(evidence).encode() + b"\n")
        handle.write(b"x" * LONG_LINE_MIB * MIB)
    return path


def template_beside(outputs: Path, run_dir: Path) -> Path:
    write_template(run_dir)
    for name in ("predictions.jsonl", "checkpoint"):
        source = outputs / name
        if source.is_dir():
            shutil.copytree(source, run_dir / name)
        else:
            shutil.copyfile(source, run_dir / name)
    return run_dir


def fill(log: Path, run_dir: Path) -> tuple[str, list[str], float]:
    """(outcome, seconds per phase: plan, write, validate; peak MiB) of a fill."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(log), str(run_dir)],
                          capture_output=True, text=True, check=True)
    outcome, *phases, peak = done.stdout.split()
    return outcome, phases, int(peak) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory (a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        root = Path(scratch)
        outputs = build_run(root / "outputs")
        evidence = protocol_lines(outputs)
        tiny = write_log(root / "tiny.log", LONG_LINE_MIB + 1, evidence)
        large = write_log(root / "large.log", args.size_mib, evidence)
        noise = write_log(root / "noise.log", args.size_mib, [])
        start = time.perf_counter()
        sha256_file(large)
        floor = time.perf_counter() - start
        print(f"log: {large.stat().st_size / MIB:.0f} MiB; sha256 of it once (the I/O floor): "
              f"{floor:.2f} s")
        cases = [("tiny log (51 MiB), fills", tiny), ("large log, fills", large),
                 ("large noise, no evidence", noise)]
        for index, (name, log) in enumerate(cases):
            run_dir = template_beside(outputs, root / f"run{index}")
            outcome, phases, peak = fill(log, run_dir)
            copied = (run_dir / LOG_FILE).stat().st_size == log.stat().st_size
            print(f"{name:26} {outcome:16} plan/write/validate {' / '.join(phases)} s  "
                  f"peak {peak:5.1f} MiB  log copied: {copied}")


if __name__ == "__main__":
    main()
