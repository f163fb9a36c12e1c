"""`python -m training.preflight --config CONFIG [--target t4|v3-8|v5e-1|v5e-8|cpu|auto]
[--find-max-batch] [--profile NAME_OR_PATH] [--json]`.

Exit codes: 0 it fits and every check passes; 1 it does not fit, or a check found a problem;
2 bad input (flags, config, profile, a model whose config cannot be read).

The verdict goes to stdout (text, or with --json the evidence envelope); what is being compiled
goes to stderr, so a minutes-long compile is never silent and never mixes into the JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from training.preflight.hardware import GIB, TARGET_CHOICES
from training.stack import missing_stack_line
from training.xla_env import set_preflight_environment


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
    parser.add_argument("--json", action="store_true",
                        help="print the evidence JSON envelope (tool, version, command, ok, "
                             "findings, result: the preflight's figures) instead of text")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    if not {"-h", "--help"} & set(args_list) and (missing := missing_stack_line("the preflight")):
        print(missing, file=sys.stderr)
        return 2
    args = parse_args(args_list)
    set_preflight_environment(args.target)
    # Imported only now: they import JAX, which reads the environment once.
    from rich.console import Console

    from evidence import CommandResult, ProfileError, RunResult, load_profile, render_json
    from training.config import load_config
    from training.errors import TrainingError
    from training.preflight.figures_cache import enable_jax_cache
    from training.preflight.result import run_preflight
    from training.preflight.verdict_text import verdict_lines

    if not args.no_cache and args.target in ("cpu", "auto"):
        # JAX's own cache, for devices that are here; it cannot serve TPU cross-compiles, whose
        # figures the preflight caches itself (figures_cache).
        enable_jax_cache(args.cache_dir)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        loaded = load_config(args.config)
        profile = load_profile(args.profile) if args.profile else None
        with errors.status(f"preflight of {args.config} on {args.target}") as status:
            result = run_preflight(
                loaded, args.target,
                budget_bytes=round(args.budget_gib * GIB) if args.budget_gib else None,
                profile=profile, suggestions=max(args.suggestions, 0),
                find_max_batch=args.find_max_batch,
                cache_dir=None if args.no_cache else args.cache_dir,
                progress=_progress(errors.out, status.update))
    except (TrainingError, ProfileError) as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code if isinstance(error, TrainingError) else 2
    if args.json:
        outcome = CommandResult("preflight", [RunResult(loaded.path, result.findings)],
                                result.to_json())
        print(render_json(outcome), flush=True)
    else:
        for line in verdict_lines(result):
            print(line, flush=True)
    return result.exit_code


def _progress(*sinks: Callable[[str], object]) -> Callable[[str], None]:
    def tell(text: str) -> None:
        for sink in sinks:
            sink(text)

    return tell
