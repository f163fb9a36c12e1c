"""Large logs: memory stays flat (a few MiB for a log of a quarter gigabyte), and noise is
skimmed fast. The 1 GB figure is bench/fill_bench.py's; see docs/performance.md."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from runbuilder import protocol_lines

pytest_plugins = ("fill_fixtures",)

MIB = 1024 * 1024
# Peak memory a 250 MiB log may add over a tiny one: flat, not proportional to the log.
FLAT_BYTES = 32 * MIB

# Fill (or only scan) in a fresh interpreter and print its peak resident memory (KiB on Linux):
# the real figure, C allocations included, with no tracing to slow the reading down.
CHILD = """
import resource, sys
from pathlib import Path
from evidence.filling import FillError, plan_fill, write_fill
from evidence.logs import scan_evidence
run_dir, log = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3] == "fill":
    try:
        plan = plan_fill(run_dir, log)
        write_fill(plan)
        print("filled", plan.statements)
    except FillError as error:
        print(*(finding.code for finding in error.findings))
else:
    print("found", len(list(scan_evidence(log))))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss(run_dir: Path, log: Path, action: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(run_dir), str(log), action],
                          capture_output=True, text=True, check=True)
    outcome, peak_kib = done.stdout.strip().splitlines()
    return outcome, int(peak_kib) * 1024


def noise_block(seed: int) -> bytes:
    """1 MiB of console noise: steps, warnings, colours, progress bars."""
    rng = random.Random(seed)
    lines = [f"step {i} loss {rng.random():.4f} \x1b[33mWARNING\x1b[0m jax: slow compile "
             f"\r{rng.randint(0, 99)}%|####   |\n".encode() for i in range(15_000)]
    return b"".join(lines)[:MIB]


def write_noise_log(path: Path, evidence: list[str], noise_mib: int = 200,
                    long_line_mib: int = 50) -> Path:
    """Noise, the evidence lines halfway, more noise, then one long line with no newline."""
    block = noise_block(0)
    with path.open("wb") as handle:
        for index in range(noise_mib):
            handle.write(block)
            if index == noise_mib // 2 and evidence:
                handle.write(b"\n" + "\n".join(evidence).encode() + b"\n")
        handle.write(b"x" * (long_line_mib * MIB))
    return path


def test_a_large_noisy_log_fills_with_flat_memory(template: Path, outputs: Path,
                                                  tmp_path: Path) -> None:
    evidence = protocol_lines(outputs)
    small = write_noise_log(tmp_path / "small.txt", evidence, noise_mib=1, long_line_mib=0)
    large = write_noise_log(tmp_path / "large.txt", evidence)
    outcome, baseline = peak_rss(template, small, "scan")
    assert outcome == f"found {len(evidence)}"
    outcome, peak = peak_rss(template, large, "fill")
    assert outcome == f"filled {len(evidence)}"
    assert (template / "kaggle_output_log.txt").stat().st_size == large.stat().st_size
    print(f"peak {peak / MIB:.1f} MiB, baseline {baseline / MIB:.1f} MiB")
    assert peak - baseline < FLAT_BYTES, (peak, baseline)


def test_noise_alone_is_no_evidence_with_flat_memory(template: Path, tmp_path: Path) -> None:
    _, baseline = peak_rss(template, write_noise_log(tmp_path / "small.txt", [], 1, 0), "scan")
    outcome, peak = peak_rss(template, write_noise_log(tmp_path / "noise.txt", []), "fill")
    assert outcome == "log_no_evidence"
    print(f"peak {peak / MIB:.1f} MiB, baseline {baseline / MIB:.1f} MiB")
    assert peak - baseline < FLAT_BYTES, (peak, baseline)


def test_a_large_kaggle_log_is_read_one_entry_at_a_time(template: Path, tmp_path: Path) -> None:
    block = noise_block(1).decode()
    log = tmp_path / "kaggle.json"
    with log.open("w") as handle:
        handle.write("[")
        for index in range(200):
            entry = {"stream_name": ("stdout", "stderr")[index % 2], "time": float(index),
                     "data": block}
            handle.write(("" if index == 0 else "\n,") + json.dumps(entry))
        handle.write("]")
    _, baseline = peak_rss(template, write_noise_log(tmp_path / "small.txt", [], 1, 0), "scan")
    outcome, peak = peak_rss(template, log, "scan")
    assert outcome == "found 0"
    print(f"peak {peak / MIB:.1f} MiB, baseline {baseline / MIB:.1f} MiB")
    assert peak - baseline < FLAT_BYTES, (peak, baseline)
