"""Compare the start-up of `evidence validate` between two source trees, in pairs taking turns.

    mkdir -p /tmp/before && git archive HEAD~1 src | tar -x -C /tmp/before
    .venv/bin/python -m compileall -q /tmp/before/src src
    .venv/bin/python bench/startup_ab.py --before /tmp/before/src --after src --pairs 25 --json

Each pair runs `python -m evidence validate` on a 100-row run once from each tree (PYTHONPATH),
then bare Python, so that a busy moment of the machine falls on both alike: a difference of a
few tens of milliseconds is lost in this machine's noise between two separate medians, and shows
in the pairs. Compile both trees first: with PYTHONDONTWRITEBYTECODE set, a tree without bytecode
pays for compiling every module it imports.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from validate_bench import print_figures, write_run


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(trees: dict[str, Path], pairs: int, run_dir: Path,
            flags: list[str]) -> dict[str, object]:
    walls: dict[str, list[float]] = {name: [] for name in (*trees, "bare")}
    cpus: dict[str, list[float]] = {name: [] for name in (*trees, "bare")}
    for _ in range(pairs):
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=str(tree.resolve()))
            wall, cpu = timed([sys.executable, "-m", "evidence", "validate", *flags,
                               str(run_dir)], env)
            walls[name].append(wall)
            cpus[name].append(cpu)
        wall, cpu = timed([sys.executable, "-c", "pass"], dict(os.environ))
        walls["bare"].append(wall)
        cpus["bare"].append(cpu)
    bare, bare_cpu = statistics.median(walls["bare"]), statistics.median(cpus["bare"])
    wall_change = [a - b for a, b in zip(walls["after"], walls["before"], strict=True)]
    cpu_change = [a - b for a, b in zip(cpus["after"], cpus["before"], strict=True)]
    figures: dict[str, object] = {"pairs": pairs, "command": " ".join(["validate", *flags])}
    for name in trees:
        figures[f"{name}_above_python_s"] = round(statistics.median(walls[name]) - bare, 3)
        figures[f"{name}_best_above_python_s"] = round(min(walls[name]) - min(walls["bare"]), 3)
        figures[f"{name}_cpu_above_python_s"] = round(statistics.median(cpus[name]) - bare_cpu,
                                                      3)
    figures["paired_wall_change_s"] = round(statistics.median(wall_change), 4)
    figures["paired_cpu_change_s"] = round(statistics.median(cpu_change), 4)
    figures["pairs_after_faster"] = sum(change < 0 for change in wall_change)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a tree's src directory")
    parser.add_argument("--after", type=Path, default=Path("src"))
    parser.add_argument("--pairs", type=int, default=25)
    parser.add_argument("--validate-json", action="store_true",
                        help="time `evidence validate --json RUN` (what tools run) instead of "
                             "the human report")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as one JSON object on the last line")
    args = parser.parse_args()
    for tree in (args.before, args.after):
        if not (tree / "evidence" / "__main__.py").is_file():
            parser.error(f"{tree} holds no evidence package (give a tree's src directory)")
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "small"
        write_run(run_dir, 100)
        results = measure({"before": args.before, "after": args.after}, args.pairs, run_dir,
                          ["--json"] if args.validate_json else [])
    print_figures(results, args.json)


if __name__ == "__main__":
    main()
