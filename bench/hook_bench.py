"""Benchmark the pre-commit hook on a small repository with one run directory, against bare
Python start-up and against pre-commit running a hook that does nothing.

    .venv/bin/python bench/hook_bench.py --repeats 20

Each figure is the wall time of a fresh process, median and best of the repeats, measured in the
same run as its baselines, since these machines are noisy (the best is the least disturbed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from runbuilder import build_run  # tests/ is not a package: on the path above

# The hook under test, and a hook that does nothing: their difference is what evidence costs.
CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: evidence-validate
        name: evidence validate
        entry: {evidence} hook
        language: system
        types: []
        require_serial: true
      - id: nothing
        name: nothing
        entry: "true"
        language: system
        types: []
"""


def walls(command: list[str], cwd: Path, env: dict[str, str], repeats: int) -> tuple[float, float]:
    """(median, best) wall seconds of `repeats` runs of `command`."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), min(seconds)


def small_repository(root: Path, env: dict[str, str]) -> list[str]:
    """A git repository holding one valid run and the config; returns the run's files."""
    run = build_run(root / "runs" / "smoke")
    evidence = Path(sys.executable).parent / "evidence"
    (root / ".pre-commit-config.yaml").write_text(CONFIG.format(evidence=evidence))
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return sorted(path.relative_to(root).as_posix() for path in run.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
                   PRE_COMMIT_HOME=str(root / ".cache"))
        files = small_repository(root, env)

        def wall(command: list[str]) -> tuple[float, float]:
            return walls(command, root, env, args.repeats)

        def pre_commit(hook_id: str) -> list[str]:
            return [sys.executable, "-m", "pre_commit", "run", hook_id, "--files", *files]

        figures = {
            "python -c pass": wall([sys.executable, "-c", "pass"]),
            "evidence hook FILES": wall([str(Path(sys.executable).parent / "evidence"), "hook",
                                         *files]),
            "pre-commit run nothing --files FILES": wall(pre_commit("nothing")),
            "pre-commit run evidence-validate --files FILES": wall(pre_commit("evidence-validate")),
        }
    base_median, base_best = figures["python -c pass"]
    print(f"one run directory, {len(files)} files, {args.repeats} repeats\n")
    print("| command | median (ms) | x python -c pass | best (ms) | x python -c pass |")
    print("|---|---:|---:|---:|---:|")
    for name, (median, best) in figures.items():
        print(f"| `{name}` | {median * 1000:.0f} | {median / base_median:.1f} | "
              f"{best * 1000:.0f} | {best / base_best:.1f} |")


if __name__ == "__main__":
    main()
