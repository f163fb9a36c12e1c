"""A fill plan as text for people: field by field what changes, and what is still missing."""

from __future__ import annotations

from evidence.filling.merge import MISSING
from evidence.filling.options import KAGGLE_OPTIONS
from evidence.filling.plan import FillPlan
from evidence.filling.statements import show
from evidence.registry import LOG_FILE

_HINTS = {f"/kaggle/{option.field}": f"give {option.flag}" for option in KAGGLE_OPTIONS}


def change_lines(plan: FillPlan) -> list[str]:
    lines = [f"{plan.log} ({plan.form}): {plan.statements} fields stated"]
    if plan.copies_log:
        lines += [f"  {LOG_FILE}",
                  f"    {plan.recorded_log} -> {plan.log.name} ({plan.log_artifact.size_bytes} "
                  f"bytes, sha256 {plan.log_artifact.sha256[:16]}…)"]
    file = None
    for change in plan.changes:
        if change.file != file:
            file = change.file
            lines.append(f"  {file}")
        old = "(missing)" if change.old is MISSING else show(change.old, 40)
        lines.append(f"    {change.pointer}: {old} -> {show(change.new)}  [{change.source}]")
    if not plan.changes_anything:
        lines.append("  nothing to change: the run directory already holds what the log says")
    return lines


def still_missing(plan: FillPlan) -> list[tuple[str, str]]:
    """(file, pointer) of every placeholder the fill leaves open."""
    return [(document.target.run_file, at) for document in plan.documents
            for at in document.still_missing]


def missing_lines(plan: FillPlan) -> list[str]:
    missing = still_missing(plan)
    if not missing:
        return []
    lines = [f"still missing ({len(missing)}):"]
    for file, at in missing:
        hint = _HINTS.get(at)
        lines.append(f"  {file} {at}" + (f"  ({hint})" if hint else ""))
    return lines
