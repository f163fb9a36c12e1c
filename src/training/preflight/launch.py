"""The preflight inside the launcher: `--preflight` checks and exits; a full run checks the
devices it is about to use before the weights load, stops when the step will not fit, and
records the verdict in its manifest."""

from __future__ import annotations

from collections.abc import Callable

from evidence import PreflightRecord
from training.config import LoadedConfig
from training.errors import TrainingError
from training.preflight import cli
from training.preflight.result import run_preflight
from training.preflight.verdict_text import verdict_lines


def preflight_only(loaded: LoadedConfig, target: str, say: Callable[[str], None]) -> int:
    """`--preflight`: the verdict, and the preflight's exit code (0 fits, 1 not)."""
    result = run_preflight(loaded, target, cache_dir=cli.default_cache_dir(), progress=say)
    for line in verdict_lines(result):
        say(line)
    return result.exit_code


def preflight_before_loading(loaded: LoadedConfig, platform: str,
                             say: Callable[[str], None]) -> PreflightRecord | None:
    """The attached devices' verdict for the config about to train. A step that does not fit,
    or fails a check, stops the run here, before the weights load. On a CPU (tests, never a
    real full run) it is skipped: compiling a 2B-parameter step there takes minutes."""
    if platform == "cpu":
        say("preflight: skipped on a CPU; `python -m training.preflight --config CONFIG "
            "--target v5e-8` checks a target from here")
        return None
    result = run_preflight(loaded, "auto", suggestions=1, cache_dir=cli.default_cache_dir(),
                           progress=say)
    for line in verdict_lines(result):
        say(line)
    record = result.record()
    if result.findings or record is None:
        raise TrainingError("the preflight stops this run (above: what fails, and the nearest "
                            "config that fits); change the config, or pass --skip-preflight to "
                            "run anyway", exit_code=1)
    return record
