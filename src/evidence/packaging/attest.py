"""`evidence attest`: an in-toto Statement v1 about a run directory or a packaged archive.

The subjects are the locked files, and the lock stays closed: for an archive, any entry missing
from or extra to its lock (or not matching it) means no statement at all; for a directory, the
lock is every regular file in it, and a symlink or special file means no statement. What
validation finds is recorded in the predicate instead, so a policy can see a failed run as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from evidence import __version__
from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart, describe_artifact
from evidence.io.run_files import collect_run_files
from evidence.models.attestation import (
    ATTESTATION_SCHEMA_VERSION,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    AttestationPredicate,
    AttestationStatement,
    RecordedFinding,
    Subject,
    SubjectDigest,
    ValidationResult,
)
from evidence.models.lock import EvidenceLock
from evidence.models.manifest import MANIFEST_FILE
from evidence.packaging.lock import build_lock, named_manifest
from evidence.packaging.verify import verify_archive
from evidence.validation.run import validate_run


@dataclass
class Attestation:
    """The statement, or none and `refusal` saying why; `run_findings` are validation's."""

    statement: AttestationStatement | None = None
    refusal: list[Finding] = field(default_factory=list)
    run_findings: list[Finding] = field(default_factory=list)


def _recorded(finding: Finding) -> RecordedFinding:
    return RecordedFinding(file=finding.file, code=str(finding.code), message=finding.message,
                           pointer=finding.pointer, line=finding.line)


def make_statement(lock: EvidenceLock, source: Literal["run_directory", "archive"],
                   run_findings: list[Finding]) -> AttestationStatement:
    return AttestationStatement(
        _type=STATEMENT_TYPE,
        subject=[Subject(name=file.path, digest=SubjectDigest(sha256=file.sha256))
                 for file in lock.files],
        predicateType=PREDICATE_TYPE,
        predicate=AttestationPredicate(
            schema_version=ATTESTATION_SCHEMA_VERSION, run_id=lock.run_id, tool_version=__version__,
            schema_versions=lock.schema_versions, source=source,
            validation=ValidationResult(valid=not run_findings,
                                        findings=[_recorded(f) for f in run_findings])))


def attest_run_directory(run_dir: Path, progress: ProgressStart | None = None) -> Attestation:
    """Raises RunDirectoryError when `run_dir` is not a directory."""
    report = validate_run(run_dir, progress=progress)
    files = collect_run_files(run_dir)
    if files.findings:
        return Attestation(refusal=files.findings, run_findings=report.findings)
    manifest = named_manifest(run_dir)
    if manifest is None:
        unnamed = Finding(MANIFEST_FILE, Code.LOCK_MISMATCH,
                          "the run cannot be attested before its manifest reads and names the "
                          "run; fix the findings above")
        return Attestation(refusal=[unnamed], run_findings=report.findings)
    lock = build_lock(manifest, (describe_artifact(run_dir, path) for path in files.paths))
    return Attestation(make_statement(lock, "run_directory", report.findings),
                       run_findings=report.findings)


def attest_archive(archive: Path, progress: ProgressStart | None = None) -> Attestation:
    """Raises FileNotFoundError when there is no such archive."""
    verified = verify_archive(archive, progress=progress)
    if verified.archive_findings or verified.lock is None:
        return Attestation(refusal=verified.archive_findings, run_findings=verified.run_findings)
    return Attestation(make_statement(verified.lock, "archive", verified.run_findings),
                       run_findings=verified.run_findings)
