"""The preflight inside the launcher: `--preflight` checks and exits; a full run checks the
devices it is about to use before the weights load, stops when the step will not fit, and
records the verdict in its manifest."""

from __future__ import annotations

from collections.abc import Callable

from evidence.models.preflight import PreflightRecord
from training.config import LoadedConfig
from training.errors import TrainingError
from training.preflight.cli import default_cache_dir
from training.preflight.report import report_lines
from training.preflight.result import run_preflight


def preflight_only(loaded: LoadedConfig, target: str, say: Callable[[str], None]) -> int:
    """`--preflight`: the report, and the preflight's exit code (0 fits, 1 not)."""
    result = run_preflight(loaded, target, cache_dir=default_cache_dir())
    for line in report_lines(result):
        say(line)
    return result.exit_code


def preflight_before_loading(loaded: LoadedConfig, say: Callable[[str], None]) -> PreflightRecord:
    """The attached devices' verdict for the config about to train. A step that does not fit,
    or fails a check, stops the run here, minutes before an out-of-memory would."""
    result = run_preflight(loaded, "auto", suggestions=1, cache_dir=default_cache_dir())
    for line in report_lines(result):
        say(line)
    record = result.record()
    if result.findings or record is None:
        raise TrainingError("the preflight stops this run (above: what fails, and the nearest "
                            "config that fits); change the config, or pass --skip_preflight to "
                            "run anyway", exit_code=1)
    return record
