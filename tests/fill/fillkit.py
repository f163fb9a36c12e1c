"""Helpers of the fill tests: where the log fixtures are, a fresh template beside a run's
downloaded outputs, and a byte snapshot of a run directory."""

from __future__ import annotations

import shutil
from pathlib import Path

from evidence.filling.templates import LOG_FILE, write_template
from evidence.models.eval_summary import EVAL_SUMMARY_FILE
from evidence.models.manifest import MANIFEST_FILE

FIXTURE_LOGS = Path(__file__).parent.parent / "fixtures" / "logs"
EVIDENCE_FILES = (MANIFEST_FILE, EVAL_SUMMARY_FILE, LOG_FILE)


def downloaded_template(outputs: Path, run_dir: Path) -> Path:
    """A fresh template beside the run's downloaded output files (predictions, checkpoint...):
    what a user holds before filling it from the log."""
    write_template(run_dir)
    for path in outputs.rglob("*"):
        relative = path.relative_to(outputs)
        if path.is_file() and relative.as_posix() not in EVIDENCE_FILES:
            (run_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, run_dir / relative)
    return run_dir


def snapshot(run_dir: Path) -> dict[str, bytes]:
    return {path.relative_to(run_dir).as_posix(): path.read_bytes()
            for path in sorted(run_dir.rglob("*")) if path.is_file()}
