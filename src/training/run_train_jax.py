"""The launcher: `python -m training.run_train_jax --config FULL.yaml [--smoke-config SMOKE.yaml
--smoke-steps N] --output DIR --dataset dev-reasoning-v2 --device auto|cpu|gpu|tpu`.

With --smoke-config the run is a smoke run: the smoke config's tiny model trains for
--smoke-steps steps, and the full config is still validated and recorded, so a broken submission
config fails here, not hours later on a TPU. Without it, the full config trains. The milestone's
underscore spellings (--smoke_config, --smoke_steps, ...) are aliases of the hyphenated flags.

This module parses the command line and hands it to `training.launch`, which does the work
(exit codes there). It imports no JAX: the environment is set before JAX loads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from training.preflight.hardware import TARGET_CHOICES
from training.stack import missing_stack_line


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def spelled(argv: Sequence[str], flag: str) -> str:
    """The flag as the user wrote it (hyphens, or the milestone's underscores)."""
    underscored = "--" + flag[2:].replace("-", "_")
    return underscored if any(arg.split("=")[0] == underscored for arg in argv) else flag


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m training.run_train_jax",
                                     description="Fine-tune a causal LM with JAX/Flax and write "
                                                 "validated evidence.")
    parser.add_argument("--config", required=True, help="the full (submission) config")
    parser.add_argument("--smoke-config", "--smoke_config", dest="smoke_config",
                        help="run in smoke mode with this config")
    parser.add_argument("--output", type=Path, help="the run directory to write (required)")
    parser.add_argument("--dataset", help="a shipped name (dev-reasoning-v2) or a JSONL file, "
                                           "or a directory holding one "
                                           "(docs/TRAINING_MODES.md#your-own-data); required")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu", "tpu"))
    parser.add_argument("--smoke-steps", "--smoke_steps", dest="smoke_steps", type=_positive,
                        help="optimizer steps of a smoke run (default: the smoke config's)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier run in --output")
    parser.add_argument("--preflight", action="store_true",
                        help="only predict whether the training step fits (no weights, no "
                             "training; see docs/preflight.md), then exit: 0 fits, 1 not")
    parser.add_argument("--preflight-target", "--preflight_target", dest="preflight_target",
                        default="auto", choices=TARGET_CHOICES,
                        help="with --preflight: the hardware to check against (default: the "
                             "devices here)")
    parser.add_argument("--skip-preflight", "--skip_preflight", dest="skip_preflight",
                        action="store_true",
                        help="full runs: do not check memory before loading the weights")
    args = parser.parse_args(argv)
    if not args.preflight and (args.output is None or args.dataset is None):
        parser.error("--output and --dataset are required (except with --preflight)")
    if args.preflight_target != "auto" and not args.preflight:
        parser.error(f"{spelled(argv, '--preflight-target')} needs --preflight")
    if args.smoke_steps is not None and args.smoke_config is None:
        parser.error(f"{spelled(argv, '--smoke-steps')} needs "
                     f"{spelled(argv, '--smoke-config')}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not {"-h", "--help"} & set(args) and (missing := missing_stack_line("the trainer")):
        print(missing, file=sys.stderr)
        return 2
    from training.launch import LaunchOptions, launch

    return launch(LaunchOptions(**vars(parse_args(args))))


if __name__ == "__main__":
    raise SystemExit(main())
