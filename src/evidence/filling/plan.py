"""Planning a fill: everything is read, merged and validated through the models before a single
byte is written, so a fill that cannot succeed changes nothing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evidence.filling.logentry import record_log_entry, stated_with_log_entry
from evidence.filling.merge import Change, Conflict, DocumentMerge
from evidence.filling.statements import FillError, Statement, StatementSet
from evidence.filling.versions import in_template_versions, template_document
from evidence.findings import Code, Finding
from evidence.io.digest import sha256_file
from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
from evidence.logs import LogForm, detect_form, scan_evidence
from evidence.models.artifact import ArtifactRef
from evidence.registry import LOG_FILE, STATED_DOCUMENTS, Document, is_log_placeholder
from evidence.validation.documents import parse_document, placeholder_pointers, read_file_bytes

# How the template marks its console log as not yet recorded (see evidence.filling.templates).


class RecordedLog(StrEnum):
    """What the run directory's kaggle_output_log.txt holds before the fill."""

    MISSING = "missing"
    PLACEHOLDER = "the template's placeholder"
    SAME = "this log already"
    DIFFERENT = "a different log"


@dataclass
class DocumentPlan:
    target: Document
    path: Path
    model: BaseModel
    changed: bool
    still_missing: list[str]


@dataclass
class FillPlan:
    run_dir: Path
    log: Path
    form: LogForm
    log_artifact: ArtifactRef
    recorded_log: RecordedLog
    statements: int
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # Documents in the order they are written (the manifest last); empty if the merged result
    # does not validate, in which case `invalid` says why.
    documents: list[DocumentPlan] = field(default_factory=list)
    invalid: list[Finding] = field(default_factory=list)

    @property
    def copies_log(self) -> bool:
        return self.recorded_log in (RecordedLog.MISSING, RecordedLog.PLACEHOLDER,
                                     RecordedLog.DIFFERENT)

    @property
    def changes_anything(self) -> bool:
        return self.copies_log or any(document.changed for document in self.documents)

    def refusal(self, *, force: bool = False) -> FillRefusal | None:
        """Why this plan must not be written, or None: the one place that decides it. A plan
        whose result would be invalid is always refused; one that would replace real values
        with the log's is refused unless forced."""
        if self.invalid:
            return FillRefusal(self.invalid, "the filled evidence would not be valid")
        if any(conflict.pointer == "/run_id" for conflict in self.conflicts) and not force:
            return FillRefusal([conflict.finding() for conflict in self.conflicts],
                               "the log belongs to another run (the run ids differ); give "
                               "this run's log")
        if self.conflicts and not force:
            return FillRefusal([conflict.finding() for conflict in self.conflicts],
                               "fields that hold real values would change; check the log is "
                               "this run's, or give --force to take the log's values")
        return None


@dataclass(frozen=True)
class FillRefusal:
    findings: list[Finding]
    reason: str


def _read_raw(run_dir: Path, target: Document) -> dict[str, Any]:
    data, findings = read_file_bytes(run_dir / target.run_file, target.run_file, MAX_DOCUMENT_BYTES)
    if data is None:
        raise FillError([Finding(f.file, f.code, f"{f.message}; `evidence init RUN_DIR` writes "
                                 "a template to fill", f.pointer) for f in findings])
    try:
        return loads_strict(data)
    except StrictJsonError as error:
        raise FillError([Finding(target.run_file, error.code, error.message, error.pointer,
                                 error.line)]) from None


def _recorded_log(run_dir: Path, log: Path, artifact: ArtifactRef) -> RecordedLog:
    recorded = run_dir / LOG_FILE
    if not recorded.exists() and not recorded.is_symlink():
        return RecordedLog.MISSING
    if recorded.is_symlink() or not recorded.is_file():
        raise FillError([Finding(LOG_FILE, Code.FILE_UNREADABLE, f"{LOG_FILE} is not a regular "
                                 "file (a symlink or a directory); remove it and fill again")])
    if os.path.samefile(recorded, log) or sha256_file(recorded)[0] == artifact.sha256:
        return RecordedLog.SAME
    if is_log_placeholder(recorded):
        return RecordedLog.PLACEHOLDER
    return RecordedLog.DIFFERENT


def _statements(log: Path, given: list[Statement], form: LogForm,
                targets: dict[str, Document]) -> list[Statement]:
    found = StatementSet(log.name, targets)
    found.add_log(scan_evidence(log))
    # Before any other problem: a log of a later version than the template states fields the
    # template does not have, and the one thing to say is how to upgrade the template.
    in_template_versions(found.by_field, targets)
    if not found.by_field and not found.problems:
        raise FillError([Finding(log.name, Code.LOG_NO_EVIDENCE,
                                 f"no evidence found: this {form} has no evidence lines "
                                 "(`@evidence/1 {...}`); give the console log of a run of the "
                                 "trainer")])
    for statement in given:
        found.add(statement)
    return found.statements()


def _source_of(finding: Finding, statements: list[Statement]) -> str:
    for statement in statements:
        if finding.pointer and (finding.pointer + "/").startswith(statement.pointer + "/"):
            return f" (stated at {statement.source})"
    return ""


def _validated(target: Document, merge: DocumentMerge, statements: list[Statement],
               run_dir: Path) -> tuple[DocumentPlan | None, list[Finding]]:
    data = json.dumps(merge.raw).encode("utf-8")
    loaded = parse_document(target.run_file, data, target.model, target.version,
                            allow_template=True)
    if loaded.model is None or loaded.findings:
        mine = [s for s in statements if s.doc == target.name]
        return None, [Finding(f.file, f.code, f.message + _source_of(f, mine), f.pointer, f.line)
                      for f in loaded.findings]
    changed = bool(merge.changes or merge.conflicts)
    return DocumentPlan(target, run_dir / target.run_file, loaded.model, changed,
                        list(placeholder_pointers(merge.raw))), []


def _merged(raws: dict[str, dict[str, Any]], targets: dict[str, Document],
            statements: list[Statement], artifact: ArtifactRef,
            log: Path) -> dict[str, DocumentMerge]:
    merges = {doc: DocumentMerge(target.run_file, target.model, raws[doc])
              for doc, target in targets.items()}
    record_log_entry(merges["run_manifest"], artifact, f"the digest of {log.name}")
    for statement in statements:
        merges[statement.doc].apply(statement)
    problems = [problem for merge in merges.values() for problem in merge.problems]
    if problems:
        raise FillError(problems)
    return merges


def plan_fill(run_dir: Path, log: Path, given: list[Statement] | None = None) -> FillPlan:
    """What filling `run_dir` from `log` (and the Kaggle options' statements) would change.
    Raises FillError when the log, the options or the template cannot be used at all."""
    raws = {doc: _read_raw(run_dir, target) for doc, target in STATED_DOCUMENTS.items()}
    # Each document is filled in the version its template is in (a 1.0 template stays 1.0).
    targets = {doc: template_document(raws[doc], target)
               for doc, target in STATED_DOCUMENTS.items()}
    with log.open("rb") as handle:
        form = detect_form(handle)
    stated = _statements(log, given or [], form, targets)
    digest, size = sha256_file(log)
    artifact = ArtifactRef(path=LOG_FILE, sha256=digest, size_bytes=size)
    statements = [stated_with_log_entry(statement, artifact) for statement in stated]
    plan = FillPlan(run_dir, log, form, artifact, _recorded_log(run_dir, log, artifact),
                    len(statements))
    merges = _merged(raws, targets, statements, artifact, log)
    for doc, target in targets.items():
        plan.changes += merges[doc].changes
        plan.conflicts += merges[doc].conflicts
        document, invalid = _validated(target, merges[doc], statements, run_dir)
        plan.invalid += invalid
        if document is not None:
            plan.documents.append(document)
    if plan.invalid:
        plan.documents = []
    if plan.recorded_log is RecordedLog.DIFFERENT:
        plan.conflicts.append(Conflict(LOG_FILE, "", "a different log", log.name, "--from-log"))
    return plan
