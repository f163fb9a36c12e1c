"""The launcher: `python -m training.run_train_jax --config FULL.yaml [--smoke_config SMOKE.yaml
--smoke_steps N] --output DIR --dataset dev-reasoning-v2 --device auto|cpu|gpu|tpu`.

With --smoke_config the run is a smoke run: the smoke config's tiny model trains for
--smoke_steps steps, and the full config is still validated and recorded, so a broken submission
config fails here, not hours later on a TPU. Without it, the full config trains.

Exit codes: 0 the run and its evidence are valid; 1 the run failed or its evidence does not
validate; 2 bad input (flags, config, data set, model source).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evidence.models.manifest import Mode
from training.config import LoadedConfig, load_config
from training.errors import TrainingError
from training.preflight.environment import prepare_environment as preflight_environment
from training.preflight.targets import TARGET_CHOICES
from training.xla_env import Device, prepare_environment

# Hardware notes for the log (see DESIGN.md, "Hardware and model facts").
GPU_NOTE = ("note: this is a GPU. It suits smoke runs; full training of Gemma 2B belongs on a "
            "TPU (v3-8 or v5e-8: 8 devices, 128 GiB / 128 GB in all). A T4 has 16 GB and no "
            "native bfloat16.")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.run_train_jax",
                                     description="Fine-tune a causal LM with JAX/Flax and write "
                                                 "validated evidence.")
    parser.add_argument("--config", required=True, help="the full (submission) config")
    parser.add_argument("--smoke_config", help="run in smoke mode with this config")
    parser.add_argument("--output", type=Path, help="the run directory to write (required)")
    parser.add_argument("--dataset", help="data set name, e.g. dev-reasoning-v2 (required)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu", "tpu"))
    parser.add_argument("--smoke_steps", type=_positive,
                        help="optimizer steps of a smoke run (default: the smoke config's)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier run in --output")
    parser.add_argument("--preflight", action="store_true",
                        help="only predict whether the training step fits (no weights, no "
                             "training; see docs/preflight.md), then exit: 0 fits, 1 not")
    parser.add_argument("--preflight_target", default="auto", choices=TARGET_CHOICES,
                        help="with --preflight: the hardware to check against (default: the "
                             "devices here)")
    parser.add_argument("--skip_preflight", action="store_true",
                        help="full runs: do not check memory before loading the weights")
    args = parser.parse_args(argv)
    if not args.preflight and (args.output is None or args.dataset is None):
        parser.error("--output and --dataset are required (except with --preflight)")
    if args.preflight_target != "auto" and not args.preflight:
        parser.error("--preflight_target needs --preflight")
    if args.smoke_steps is not None and args.smoke_config is None:
        parser.error("--smoke_steps needs --smoke_config")
    return args


def say(line: str) -> None:
    print(line, flush=True)


def describe_devices(device: Device) -> tuple[str, str]:
    """Import JAX (the environment is set by now) and name what it found."""
    import jax

    try:
        devices = jax.devices()
    except RuntimeError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "no backend"
        raise TrainingError(f"--device {device}: JAX cannot use it here: {first}") from None
    first_device = devices[0]
    return first_device.platform, f"{len(devices)} x {first_device.device_kind}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        full = load_config(args.config)
        smoke: LoadedConfig | None = load_config(args.smoke_config) if args.smoke_config else None
        mode: Mode = "smoke" if smoke is not None else "full"
        if args.preflight:
            return _preflight_only(args, smoke or full)
        env = prepare_environment(args.device, smoke=smoke is not None)
        say("XLA environment: " + ", ".join(f"{k}={v}" for k, v in sorted(env.items())))
        platform, found = describe_devices(args.device)
        say(f"device: {found} ({platform})")
        if platform == "gpu":
            say(GPU_NOTE)
        # Imported only now: it imports JAX-heavy modules, after the environment is set.
        from rich.console import Console

        from training.pipeline import RunRequest, run

        training_config = smoke if smoke is not None else full
        steps = args.smoke_steps or training_config.config.train.steps
        preflight = None
        if mode == "full" and not args.skip_preflight:
            from training.preflight.launch import preflight_before_loading

            preflight = preflight_before_loading(full, platform, say)
        request = RunRequest(mode=mode, run=training_config, full=full, smoke=smoke,
                             output=args.output, dataset=args.dataset, steps=steps,
                             overwrite=args.overwrite, preflight=preflight)
        run(request, say, Console(stderr=True))
    except TrainingError as error:
        print(f"error: {error.message}", file=sys.stderr, flush=True)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; the run directory is incomplete", file=sys.stderr)
        return 130
    return 0


def _preflight_only(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    """--preflight: a named target is cross-checked from this machine's CPU; auto checks the
    devices --device selects, in the environment a run would have."""
    if args.preflight_target == "auto":
        prepare_environment(args.device, smoke=args.smoke_config is not None)
    else:
        preflight_environment(args.preflight_target)
    from training.preflight.launch import preflight_only

    return preflight_only(loaded, args.preflight_target, say)


if __name__ == "__main__":
    raise SystemExit(main())
