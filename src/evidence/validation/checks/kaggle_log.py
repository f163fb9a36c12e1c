"""Kaggle's own copy of the log, the anchor nobody but Kaggle can rewrite.

`evidence validate --kaggle-log FILE` and `evidence verify ARCHIVE --kaggle-log FILE` compare a
run with the log as `kaggle kernels output OWNER/SLUG` downloads it (Kaggle's JSON array of
{stream_name, time, data}): every field it states must be what the documents hold, and the run's
recorded log must state exactly what it states. A run rewritten wholesale (documents,
predictions, digests and recorded log all consistent) still contradicts Kaggle's copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.findings import Code, Finding
from evidence.logs import LogError, LogForm, detect_form, scan_evidence
from evidence.registry import LOG_FILE
from evidence.validation.checks.log import (
    MAX_DIFFERENCES,
    MISSING,
    RecordedLog,
    StatedFields,
    collect_stated,
    contradictions,
    json_equal,
    shown,
)

DOWNLOAD = "kaggle kernels output OWNER/SLUG -p DIR"


class KaggleLogError(Exception):
    """The file cannot be Kaggle's log: a usage error (exit 2), not a finding about the run."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KaggleCopy:
    """What Kaggle's copy of a run's log states, read once for every check that needs it."""

    path: Path
    stated: StatedFields
    problems: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"Kaggle's log {self.path.name}"


def read_kaggle_copy(path: Path) -> KaggleCopy:
    """Kaggle's log, read and parsed; KaggleLogError when it is not Kaggle's JSON log at all
    (no such file, another form, a truncated download). An unreadable evidence line in it is
    a finding of each run compared with it."""
    if not path.is_file():
        raise KaggleLogError(f"--kaggle-log {path}: no such file (download it with "
                             f"`{DOWNLOAD}`)")
    label = str(path)
    try:
        with path.open("rb") as handle:
            form = detect_form(handle)
        if form is not LogForm.KAGGLE_JSON:
            raise KaggleLogError(f"--kaggle-log {path}: reads as {form}, not as Kaggle's JSON "
                                 f"log; give the file `{DOWNLOAD}` downloads, unchanged")
        stated, problems = collect_stated(scan_evidence(path), label)
    except LogError as error:
        if error.code is Code.LOG_MALFORMED:
            raise KaggleLogError(f"--kaggle-log {path}: {error.message}") from None
        return KaggleCopy(path, {}, [Finding(label, Code.KAGGLE_COPY_MISMATCH, error.message,
                                             line=error.line)])
    except OSError as error:
        raise KaggleLogError(f"--kaggle-log {path}: cannot read it: {error.strerror}") from None
    return KaggleCopy(path, stated, problems)


def _against_recorded(copy: KaggleCopy, recorded: RecordedLog) -> list[Finding]:
    """The recorded log states what Kaggle's states, field by field, in any log form."""
    if recorded.state != "read":
        return [Finding(LOG_FILE, Code.KAGGLE_COPY_MISMATCH,
                        f"{LOG_FILE} is {recorded.state}, but {copy.name} states "
                        f"{len(copy.stated)} fields: record Kaggle's log in the run "
                        "(`evidence fill --from-log`)")]
    findings = []
    for key in [*copy.stated, *(key for key in recorded.stated if key not in copy.stated)]:
        theirs = copy.stated.get(key)
        ours = recorded.stated.get(key)
        if theirs is not None and ours is not None and json_equal(ours.value, theirs.value):
            continue
        doc, at = key
        ours_text = f"states {shown(ours.value)} ({ours.where})" if ours else "does not state it"
        theirs_text = f"states {shown(theirs.value)} ({theirs.where})" if theirs \
            else "does not state it"
        findings.append(Finding(LOG_FILE, Code.KAGGLE_COPY_MISMATCH,
                                f"{doc} {at}: {LOG_FILE} {ours_text}, {copy.name} "
                                f"{theirs_text}; the recorded log must be Kaggle's",
                                line=ours.line if ours else None))
        if len(findings) >= MAX_DIFFERENCES:
            break
    return findings


def check_kaggle_copy(copy: KaggleCopy, documents: dict[str, Any],
                      recorded: RecordedLog) -> list[Finding]:
    """Every difference between the run and Kaggle's copy of its log: the documents' fields, and
    the recorded log's evidence lines."""
    findings = list(copy.problems)
    if not copy.stated and not copy.problems:
        return [Finding(str(copy.path), Code.KAGGLE_COPY_MISMATCH,
                        f"{copy.name} states no evidence (no `@evidence/1` line): the "
                        "notebook's latest run did not run the trainer, so it cannot be this "
                        "run's")]
    findings += contradictions(
        copy.stated, documents, code=Code.KAGGLE_COPY_MISMATCH, log_name=copy.name,
        why="Kaggle's copy is what the notebook printed, so the run was changed after it (or "
            "it is another run)")
    findings += _against_recorded(copy, recorded)
    return findings


__all__ = ["MISSING", "KaggleCopy", "KaggleLogError", "check_kaggle_copy", "read_kaggle_copy"]
