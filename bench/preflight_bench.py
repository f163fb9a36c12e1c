"""The preflight's verdicts for Gemma 2B full fine-tuning (configs/submission_gemma_flax.yaml:
bfloat16, fsdp) on a T4, a TPU v3-8 and a TPU v5e-8, at batch 1 / sequence 64 and batch 8 /
sequence 512, with Adafactor and with AdamW. Not a test: each TPU compile takes minutes here.

    .venv/bin/pip install -e '.[preflight-tpu]'      # libtpu, for the TPU cross-compiles
    .venv/bin/python bench/preflight_bench.py [--targets t4 v3-8 v5e-8] [--no-cache]

Batch 1 cannot be split over 8 devices (the trainer gives each device whole rows): on the TPU
targets that shape is reported as the static finding it is, and batch 8 / sequence 64 (one row
per device) is measured beside it. Compile results are cached (see training/preflight), so a
second run prints the same table in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time

from training.xla_env import set_preflight_environment

set_preflight_environment("v5e-8")  # compile for every target from this CPU, before JAX is imported

from training.config import LoadedConfig, load_config  # noqa: E402
from training.preflight.alternatives import variant  # noqa: E402
from training.preflight.cli import default_cache_dir  # noqa: E402
from training.preflight.result import PreflightResult, run_preflight  # noqa: E402
from training.preflight.verdict_text import gib  # noqa: E402

CONFIG = "configs/submission_gemma_flax.yaml"
SHAPES = ((1, 64), (8, 64), (8, 512))  # (batch, sequence); 8 / 64 for the 8-device targets
OPTIMIZERS = ("adafactor", "adamw")


def shaped(base: LoadedConfig, batch: int, sequence: int, optimizer: str) -> LoadedConfig:
    """The submission config at this shape (one micro-batch), as a valid config."""
    run = variant(base.config, "eval",
                  max_new_tokens=min(base.config.eval.max_new_tokens, sequence // 2))
    for section, changes in (("data", {"max_seq_len": sequence}),
                             ("train", {"batch_size": batch, "grad_accum": 1,
                                        "optimizer": optimizer})):
        run = variant(run, section, **changes) if run is not None else None
    if run is None:
        raise SystemExit(f"batch {batch} / sequence {sequence} / {optimizer}: not a valid config")
    return LoadedConfig(base.path, base.sha256, run)


def row(target: str, batch: int, sequence: int, optimizer: str, result: PreflightResult,
        seconds: float) -> str:
    estimate = result.evaluation.estimate
    if estimate is None:
        verdict = "not runnable: " + ", ".join(f"`{f.code}`" for f in result.findings)
        return f"| {target} | {batch} / {sequence} | {optimizer} | {verdict} | - | - | - |"
    headroom = f"{estimate.headroom:+.0%}"
    verdict = "fits" if estimate.fits else "does not fit"
    return (f"| {target} | {batch} / {sequence} | {optimizer} | {verdict} | "
            f"{gib(estimate.peak_bytes)} of {gib(estimate.usable_bytes)} ({headroom}) | "
            f"{estimate.method} | {seconds:.0f} s |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", nargs="+", default=["t4", "v3-8", "v5e-8"])
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    base = load_config(CONFIG)
    cache = None if args.no_cache else default_cache_dir()
    print("| target | batch / sequence | optimizer | verdict | predicted peak per device "
          "(headroom) | method | time |")
    print("|---|---|---|---|---|---|---|")
    for target in args.targets:
        for batch, sequence in SHAPES:
            if target == "t4" and batch == 8 and sequence == 64:
                continue  # the one-row-per-device shape is for the 8-device targets
            for optimizer in OPTIMIZERS:
                started = time.perf_counter()
                result = run_preflight(shaped(base, batch, sequence, optimizer), target,
                                       suggestions=0, cache_dir=cache)
                print(row(target, batch, sequence, optimizer, result,
                          time.perf_counter() - started), flush=True)
    print("\ntools: " + ", ".join(f"{k} {v}" for k, v in sorted(result.tools.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
