"""`python -m training.preflight --config CONFIG [--target t4|v3-8|v5e-1|v5e-8|cpu|auto]
[--find-max-batch] [--profile NAME_OR_PATH]`.

Exit codes: 0 it fits and every check passes; 1 it does not fit, or a check found a problem;
2 bad input (flags, config, profile, a model whose config cannot be read).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from training.errors import TrainingError
from training.preflight.environment import prepare_environment
from training.preflight.targets import GIB, TARGET_CHOICES


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evidence-preflight"


def _gib(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of GiB") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"{value} GiB is not a memory size")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.preflight",
        description="Predict whether a config's training step fits the target's memory, and "
                    "check it, without weights or the target's hardware.")
    parser.add_argument("--config", required=True, help="the run config to check")
    parser.add_argument("--target", default="auto", choices=TARGET_CHOICES,
                        help="hardware to check against; auto: the devices JAX sees here")
    parser.add_argument("--find-max-batch", action="store_true",
                        help="also search the largest batch that fits")
    parser.add_argument("--profile", metavar="NAME_OR_PATH",
                        help="also check the model against a competition profile "
                             "(e.g. tunix-hackathon-2025)")
    parser.add_argument("--budget-gib", type=_gib, metavar="GIB",
                        help="usable memory per device, instead of the target's own")
    parser.add_argument("--suggestions", type=int, default=2, metavar="N",
                        help="when it does not fit, find up to N nearest configs that do "
                             "(default 2; 0: none)")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where compile results are cached (default: %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="compile everything afresh")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    prepare_environment(args.target)
    # Imported only now: they import JAX, which reads the environment once.
    from evidence.eligibility import ProfileError, load_profile
    from training.config import load_config
    from training.preflight.figures_cache import enable_jax_cache
    from training.preflight.report import report_lines
    from training.preflight.result import run_preflight

    if not args.no_cache and args.target in ("cpu", "auto"):
        # JAX's own cache, for devices that are here; it cannot serve TPU cross-compiles, whose
        # figures the preflight caches itself (figures_cache).
        enable_jax_cache(args.cache_dir)
    try:
        loaded = load_config(args.config)
        profile = load_profile(args.profile) if args.profile else None
        result = run_preflight(
            loaded, args.target,
            budget_bytes=round(args.budget_gib * GIB) if args.budget_gib else None,
            profile=profile, suggestions=max(args.suggestions, 0),
            find_max_batch=args.find_max_batch,
            cache_dir=None if args.no_cache else args.cache_dir)
    except (TrainingError, ProfileError) as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code if isinstance(error, TrainingError) else 2
    for line in report_lines(result):
        print(line, flush=True)
    return result.exit_code
