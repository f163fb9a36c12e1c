"""Writing a planned fill, one atomic rename per file, in an order that never claims too much.

Each file is written to a temporary file beside it, fsynced and renamed over the old one, so a
file is always whole: old or new. Across files the order is the log, then eval_summary.json,
then run_manifest.json. The manifest is what vouches for the others (their digests); until it is
renamed, nothing claims the new log or scorecard, and the run still fails validation as the
template it was. Filling again from the same log finishes an interrupted fill.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from evidence.filling.plan import FillPlan
from evidence.filling.statements import FillError
from evidence.findings import Code, Finding
from evidence.io.atomic import atomic_output, write_model_atomic
from evidence.io.digest import CHUNK_BYTES, describe_artifact
from evidence.registry import LOG_FILE


def _copy_log(source: Path, run_dir: Path) -> None:
    with source.open("rb") as reader, atomic_output(run_dir / LOG_FILE) as output:
        shutil.copyfileobj(reader, output, CHUNK_BYTES)


def write_fill(plan: FillPlan, *, force: bool = False) -> list[str]:
    """Write what the plan changes; returns the files written, in order. A plan whose result
    is invalid, or (unless forced) has conflicts, is refused whole."""
    refusal = plan.refusal(force=force)
    if refusal is not None:
        raise FillError(refusal.findings)
    written = []
    if plan.copies_log:
        _copy_log(plan.log, plan.run_dir)
        if describe_artifact(plan.run_dir, LOG_FILE) != plan.log_artifact:
            raise FillError([Finding(LOG_FILE, Code.ARTIFACT_DIGEST_MISMATCH,
                                     f"{plan.log} changed while it was copied; nothing else "
                                     "was written; fill again once the log is complete")])
        written.append(LOG_FILE)
    for document in plan.documents:
        if document.changed:
            write_model_atomic(document.path, document.model)
            written.append(document.target.run_file)
    return written
