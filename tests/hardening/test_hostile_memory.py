"""Memory stays flat on files without newlines: a sparse file of NUL bytes (no disk) as the
predictions, the recorded log in each form, and the log fill reads. Peak RSS is measured in a
subprocess (ru_maxrss of the CLI and its workers) and must stay far below the file's size."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path

import pytest

from evidence.validation.predictions.reader import line_ranges

SIZE = 512 * 1024**2
# Python, pydantic and the CLI take about 60 MiB; reading the file whole would take 512.
PEAK_BOUND = 200 * 1024**2

MEASURE = textwrap.dedent("""
    import resource, subprocess, sys
    done = subprocess.run([sys.executable, "-m", "evidence", *sys.argv[1:]],
                          capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(done.returncode, peak)
    sys.stderr.write(done.stderr.decode("utf-8", "replace"))
""")


def sparse(path: Path, prefix: bytes = b"", size: int = SIZE) -> Path:
    with path.open("wb") as handle:
        handle.write(prefix)
        handle.truncate(size)
    return path


def peak_of(*args: str) -> tuple[int, int, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], capture_output=True,
                          text=True, timeout=60)
    assert time.perf_counter() - start < 30
    code, peak = map(int, done.stdout.split())
    assert "internal error" not in done.stderr, done.stderr
    return code, peak, done.stderr


def test_predictions_of_nul_bytes(run_dir: Path) -> None:
    sparse(run_dir / "predictions.jsonl")
    code, peak, _ = peak_of("validate", "--json", str(run_dir))
    assert code == 1 and peak < PEAK_BOUND, f"peak {peak >> 20} MiB"


@pytest.mark.parametrize("prefix", [b"", b'[{"stream_name":"stdout","time":1,"data":"',
                                    b'{"cells": [{"cell_type": "code", "outputs": ["'],
                         ids=["plain", "kaggle_json", "notebook"])
def test_recorded_log_of_nul_bytes(run_dir: Path, prefix: bytes) -> None:
    sparse(run_dir / "kaggle_output_log.txt", prefix)
    code, peak, _ = peak_of("validate", "--json", str(run_dir))
    assert code == 1 and peak < PEAK_BOUND, f"peak {peak >> 20} MiB"


def test_fill_from_a_log_of_nul_bytes(tmp_path: Path) -> None:
    log = sparse(tmp_path / "console.log")
    template = tmp_path / "template"
    subprocess.run([sys.executable, "-m", "evidence", "init", str(template)], check=True,
                   capture_output=True)
    code, peak, stderr = peak_of("fill", "--from-log", str(log), str(template))
    assert code == 1 and peak < PEAK_BOUND, f"peak {peak >> 20} MiB: {stderr}"


def test_the_parallel_split_never_holds_a_line(tmp_path: Path) -> None:
    path = sparse(tmp_path / "predictions.jsonl", size=64 * 1024**2)
    tracemalloc.start()
    try:
        ranges = line_ranges(path, 8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ranges == [(0, 64 * 1024**2)]
    assert peak < 1024**2, f"peak {peak} bytes"


def test_the_split_still_cuts_at_line_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps({"n": n, "pad": "x" * (n % 97)}).encode() + b"\n" for n in range(5000)]
    path.write_bytes(b"".join(lines))
    data = path.read_bytes()
    for parts in (2, 3, 8, 64):
        ranges = line_ranges(path, parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
        assert all(a[1] == b[0] for a, b in pairwise(ranges))
        assert all(data[start - 1:start] == b"\n" for start, _ in ranges[1:])
