"""Benchmark `evidence package` and `evidence verify` on a run with a large checkpoint: wall time
and peak memory of each, against hashing the same bytes once (the floor for reading them).

    .venv/bin/python bench/package_bench.py --gib 4

The checkpoint is a sparse file of zeros, so the run costs no disk until it is packaged; the
archive (stored, not deflated: a checkpoint is not text) is as large as the checkpoint.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "packaging"))

from packaging_support import relist_artifacts  # tests/ is not a package: on the path above

from runbuilder import build_run

EVIDENCE = str(Path(sys.executable).parent / "evidence")


def measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0, help="checkpoint size in GiB")
    args = parser.parse_args()
    size = int(args.gib * 1024**3)
    with tempfile.TemporaryDirectory() as temp:
        run = build_run(Path(temp) / "run")
        checkpoint = run / "checkpoint" / "flax_model.msgpack"
        with checkpoint.open("wb") as handle:
            handle.truncate(size)
        relist_artifacts(run)
        archive = Path(temp) / "run.zip"
        figures = {
            "hash the checkpoint once (floor)": measured(
                [sys.executable, "-c", "import sys, pathlib; from evidence.io.digest import "
                 "sha256_file; sha256_file(pathlib.Path(sys.argv[1]))", str(checkpoint)]),
            "evidence package RUN --out run.zip": measured(
                [EVIDENCE, "package", str(run), "--out", str(archive)]),
            "evidence verify run.zip": measured([EVIDENCE, "verify", str(archive)]),
        }
    print(f"checkpoint of {size} bytes ({args.gib:g} GiB)\n")
    print("| command | wall (s) | x floor | peak memory (MiB) |")
    print("|---|---:|---:|---:|")
    floor = next(iter(figures.values()))[0]
    for name, (wall, peak) in figures.items():
        print(f"| `{name}` | {wall:.1f} | {wall / floor:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
