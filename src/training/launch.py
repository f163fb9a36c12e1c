"""The launcher's work, behind `python -m training.run_train_jax`: configs, the XLA environment
(before JAX is imported), the devices, the preflight of a full run, then the run itself.

Exit codes: 0 the run and its evidence are valid; 1 the run failed or its evidence does not
validate; 2 bad input (flags, config, data set, model source).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evidence import Mode, PreflightRecord
from training.backends import backend_mismatch
from training.config import LoadedConfig, load_config
from training.console import RunConsole
from training.errors import TrainingError
from training.xla_env import Device, set_preflight_environment, set_run_environment

if TYPE_CHECKING:  # the pipeline imports JAX, after the environment is set
    from training.pipeline import RunRequest

# Hardware notes for the log (docs/TRAINING_MODES.md, "Hardware and model facts").
GPU_NOTE = ("note: this is a GPU. It suits smoke runs; full training of Gemma 2B belongs on a "
            "TPU (v3-8 or v5e-8: 8 devices, 128 GiB / 128 GB in all). A T4 has 16 GB and no "
            "native bfloat16.")


@dataclass(frozen=True)
class LaunchOptions:
    """The command line, parsed (`run_train_jax.parse_args`)."""

    config: str
    output: Path | None
    dataset: str | None
    smoke_config: str | None = None
    device: Device = "auto"
    smoke_steps: int | None = None
    overwrite: bool = False
    preflight: bool = False
    preflight_target: str = "auto"
    skip_preflight: bool = False


def launch(options: LaunchOptions, out: RunConsole | None = None) -> int:
    """Run what the options ask for and return the exit code; every failure the user can fix is
    one `error:` message on stderr, never a traceback."""
    out = out if out is not None else RunConsole()
    try:
        full = load_config(options.config)
        smoke = load_config(options.smoke_config) if options.smoke_config else None
        if smoke is not None and (mismatch := backend_mismatch(
                full.path, full.config.backend, smoke.path, smoke.config.backend)):
            raise TrainingError(mismatch)
        if options.preflight:
            return preflight_only(options, smoke or full, out)
        request = build_request(options, full, smoke, out)
        from training.pipeline import run  # imports JAX: only after the environment is set

        run(request, out)
    except TrainingError as error:
        print(f"error: {error.message}", file=sys.stderr, flush=True)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; the run directory is incomplete", file=sys.stderr)
        return 130
    return 0


def build_request(options: LaunchOptions, full: LoadedConfig, smoke: LoadedConfig | None,
                  out: RunConsole) -> RunRequest:
    """The environment set, the devices named, and, for a full run, the preflight passed."""
    from training.pipeline import RunRequest

    assert options.output is not None and options.dataset is not None  # parse_args checks
    mode: Mode = "smoke" if smoke is not None else "full"
    env = set_run_environment(options.device, smoke=smoke is not None)
    out.say("XLA environment: " + ", ".join(f"{k}={v}" for k, v in sorted(env.items())))
    platform, found = describe_devices(options.device)
    out.say(f"device: {found} ({platform})")
    if platform == "gpu":
        out.say(GPU_NOTE)
    training_config = smoke if smoke is not None else full
    preflight: PreflightRecord | None = None
    if mode == "full" and not options.skip_preflight:
        from training.preflight.launch import preflight_before_loading

        preflight = preflight_before_loading(full, platform, out.say)
    return RunRequest(mode=mode, run=training_config, full=full, smoke=smoke,
                      output=options.output, dataset=options.dataset,
                      steps=options.smoke_steps or training_config.config.train.steps,
                      overwrite=options.overwrite, preflight=preflight)


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


def preflight_only(options: LaunchOptions, loaded: LoadedConfig, out: RunConsole) -> int:
    """--preflight: a named target is cross-checked from this machine's CPU; auto checks the
    devices --device selects, in the environment a run would have."""
    if options.preflight_target == "auto":
        set_run_environment(options.device, smoke=options.smoke_config is not None)
    else:
        set_preflight_environment(options.preflight_target)
    from training.preflight.launch import preflight_only as check

    return check(loaded, options.preflight_target, out.say)
