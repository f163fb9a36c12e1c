"""`evidence verify`: check an archive against its lock and validate the run inside it.

Nothing in the archive is trusted. Every entry's name, kind and declared size is checked before a
byte is extracted; a hostile archive (a name with '..', an absolute one, a duplicate, a link, a
zip bomb) is refused without extracting anything. Otherwise the run is extracted into a fresh
temporary directory, each entry hashed on the way and held to the lock, and then validated like
any run directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart, sha256_stream
from evidence.io.pointer import pointer
from evidence.io.strict_json import MAX_DOCUMENT_BYTES
from evidence.models.lock import LOCK_FILE, LOCK_SCHEMA_VERSION, EvidenceLock
from evidence.packaging.layout import (
    colliding_names,
    entry_name,
    is_symlink_entry,
    unsafe_name_reason,
)
from evidence.packaging.lock import named_manifest
from evidence.packaging.zip_structure import structure_problems
from evidence.registry import RUN_SCHEMA_VERSIONS, reads_run_versions
from evidence.result import RunResult
from evidence.validation.documents import LoadedDocument, parse_document
from evidence.validation.run import RunDirectoryError, validate_run

if TYPE_CHECKING:
    from evidence.validation.checks.kaggle_log import KaggleCopy

# Whatever the archive declares, extraction stops here. A Gemma 2B float32 checkpoint is about
# 10 GB; this leaves room for that several times over, and --max-bytes raises it.
DEFAULT_MAX_BYTES = 64 * 1024**3
MAX_ENTRIES = 100_000
# What zipfile raises (or lets through) on a corrupt or crafted archive.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
               OverflowError, struct.error, NotImplementedError, RuntimeError)
_USED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


@dataclass
class Verification:
    """What verifying gave. `archive_findings` mean the archive itself cannot be trusted;
    `run_findings` are validation's, with files relative to the run directory."""

    archive_findings: list[Finding] = field(default_factory=list)
    run_findings: list[Finding] = field(default_factory=list)
    lock: EvidenceLock | None = None

    @property
    def findings(self) -> list[Finding]:
        """All findings, with each file named as its entry in the archive."""
        prefix = f"{self.lock.run_id}/" if self.lock is not None else ""
        return self.archive_findings + [dataclasses.replace(finding, file=prefix + finding.file)
                                        for finding in self.run_findings]

    @property
    def valid(self) -> bool:
        return not self.archive_findings and not self.run_findings


class _TooLarge(Exception):
    pass


def _entry_problems(info: zipfile.ZipInfo, seen: set[str]) -> list[Finding]:
    name = info.filename
    if info.is_dir() or is_symlink_entry(info):
        kind = "a directory" if info.is_dir() else "a symbolic link"
        return [Finding(name, Code.ARCHIVE_NOT_FILE, f"{name!r} is {kind}; a package holds "
                                                     "regular files only")]
    reason = unsafe_name_reason(info)
    if reason is not None:
        return [Finding(name, Code.ARCHIVE_UNSAFE_NAME, f"{name!r} is refused: {reason}")]
    if name in seen:
        return [Finding(name, Code.ARCHIVE_DUPLICATE_ENTRY, f"{name!r} appears more than once")]
    seen.add(name)
    if info.flag_bits & 0x1:
        return [Finding(name, Code.ARCHIVE_UNREADABLE, f"{name!r} is encrypted")]
    if info.compress_type not in _USED_METHODS:
        return [Finding(name, Code.ARCHIVE_UNREADABLE,
                        f"{name!r} uses compression method {info.compress_type}, which "
                        "`evidence package` never writes")]
    return []


def _file_and_directory(names: set[str]) -> list[Finding]:
    """Names that are also a directory of another entry: only one of them could be extracted."""
    parents = {parent.as_posix() for name in names for parent in PurePosixPath(name).parents}
    return [Finding(name, Code.ARCHIVE_DUPLICATE_ENTRY,
                    f"{name!r} is both a file and the directory of other entries")
            for name in sorted(names & parents)]


def inspect_entries(infos: list[zipfile.ZipInfo], max_bytes: int, label: str) -> list[Finding]:
    """Everything wrong with the archive's directory, judged before anything is extracted.
    `label` names the archive in findings about it as a whole."""
    if len(infos) > MAX_ENTRIES:
        return [Finding(label, Code.ARCHIVE_TOO_LARGE,
                        f"{len(infos)} entries, over the limit of {MAX_ENTRIES}")]
    seen: set[str] = set()
    findings = [problem for info in infos for problem in _entry_problems(info, seen)]
    findings += _file_and_directory(seen)
    findings += [Finding(name, Code.ARCHIVE_DUPLICATE_ENTRY,
                         f"{name!a} and {earlier!a} are one name on a case-insensitive "
                         "or Unicode-normalising file system (macOS, Windows)")
                 for earlier, name in colliding_names(seen)]
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        findings.append(Finding(label, Code.ARCHIVE_TOO_LARGE,
                                f"the entries would decompress to {declared} bytes, over the "
                                f"limit of {max_bytes}; if you trust this archive, raise "
                                "--max-bytes"))
    return findings


def _read_lock(archive: zipfile.ZipFile) -> LoadedDocument[EvidenceLock]:
    try:
        info = archive.getinfo(LOCK_FILE)
    except KeyError:
        return LoadedDocument(LOCK_FILE, findings=[Finding(
            LOCK_FILE, Code.FILE_MISSING,
            f"{LOCK_FILE} is missing: this archive was not written by `evidence package`")])
    if info.file_size > MAX_DOCUMENT_BYTES:
        return LoadedDocument(LOCK_FILE, findings=[Finding(
            LOCK_FILE, Code.FILE_TOO_LARGE,
            f"{info.file_size} bytes is over the {MAX_DOCUMENT_BYTES}-byte limit")])
    try:
        data = archive.read(info)
    except _ZIP_ERRORS as error:
        return LoadedDocument(LOCK_FILE, findings=[_unreadable(LOCK_FILE, error)])
    return parse_document(LOCK_FILE, data, EvidenceLock, LOCK_SCHEMA_VERSION,
                          allow_template=False)


def _unreadable(name: str, error: BaseException) -> Finding:
    return Finding(name, Code.ARCHIVE_UNREADABLE, f"{name!r} cannot be read: {error}")


def compare_with_lock(lock: EvidenceLock, infos: list[zipfile.ZipInfo]) -> list[Finding]:
    """The archive holds exactly the locked files, at their locked sizes."""
    locked = {entry_name(lock.run_id, file.path): file for file in lock.files}
    present = {info.filename: info for info in infos if info.filename != LOCK_FILE}
    findings = [Finding(name, Code.LOCK_ENTRY_MISSING,
                        f"{name} is in the lock but not in the archive")
                for name in sorted(locked.keys() - present.keys())]
    findings += [Finding(name, Code.LOCK_ENTRY_EXTRA,
                         f"{name} is in the archive but not in the lock")
                 for name in sorted(present.keys() - locked.keys())]
    for name in sorted(locked.keys() & present.keys()):
        if present[name].file_size != locked[name].size_bytes:
            findings.append(Finding(name, Code.LOCK_SIZE_MISMATCH,
                                    f"{name} is {present[name].file_size} bytes, the lock says "
                                    f"{locked[name].size_bytes}"))
    if not reads_run_versions(lock.schema_versions):
        findings.append(Finding(LOCK_FILE, Code.LOCK_MISMATCH,
                                f"the lock states schema versions {lock.schema_versions}; this "
                                f"evidence reads {RUN_SCHEMA_VERSIONS} (and run_manifest 1.0)",
                                pointer("schema_versions")))
    return findings


def _bounded(write: Callable[[bytes], object], limit: int) -> Callable[[bytes], object]:
    """A sink that refuses to take more than `limit` bytes, whatever the entry's data holds."""
    taken = 0

    def sink(chunk: bytes) -> object:
        nonlocal taken
        taken += len(chunk)
        if taken > limit:
            raise _TooLarge
        return write(chunk)

    return sink


def _extract_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path,
                   progress: ProgressStart | None) -> tuple[str | None, list[Finding]]:
    """Extract one checked entry under `root`; its SHA-256, or the findings that stopped it."""
    name = info.filename
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, _NEW_FILE, 0o644)
    except FileExistsError:
        return None, [Finding(name, Code.ARCHIVE_DUPLICATE_ENTRY,
                              f"{name!r} collides with another entry on this file system")]
    try:
        with os.fdopen(fd, "wb") as output, archive.open(info) as source:
            digest, _ = sha256_stream(source, progress(name, info.file_size) if progress else
                                      None, _bounded(output.write, info.file_size))
    except _TooLarge:
        return None, [Finding(name, Code.ARCHIVE_TOO_LARGE,
                              f"{name!r} decompresses past its declared {info.file_size} bytes")]
    except _ZIP_ERRORS as error:
        return None, [_unreadable(name, error)]
    return digest, []


def extract_locked(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], lock: EvidenceLock,
                   root: Path, progress: ProgressStart | None) -> list[Finding]:
    """Extract the run's entries under `root`, holding each to its locked digest."""
    locked = {entry_name(lock.run_id, file.path): file for file in lock.files}
    findings: list[Finding] = []
    for info in infos:
        if not info.filename.startswith(f"{lock.run_id}/"):
            continue
        digest, problems = _extract_entry(archive, info, root, progress)
        findings += problems
        expected = locked.get(info.filename)
        if digest is not None and expected is not None and digest != expected.sha256:
            findings.append(Finding(info.filename, Code.LOCK_DIGEST_MISMATCH,
                                    f"{info.filename} has SHA-256 {digest}, the lock says "
                                    f"{expected.sha256}"))
    return findings


def _run_id_agrees(run_dir: Path, lock: EvidenceLock) -> list[Finding]:
    manifest = named_manifest(run_dir) if run_dir.is_dir() else None
    if manifest is None:
        return []
    findings = []
    if manifest.run_id != lock.run_id:
        findings.append(Finding(LOCK_FILE, Code.RUN_ID_MISMATCH,
                                f"the lock names run {lock.run_id!r}, its manifest "
                                f"{manifest.run_id!r}", "/run_id"))
    locked = lock.schema_versions.get("run_manifest")
    if locked != manifest.schema_version:
        findings.append(Finding(LOCK_FILE, Code.LOCK_MISMATCH,
                                f"the lock says the manifest is schema_version {locked!r}, the "
                                f"manifest is {manifest.schema_version!r}",
                                pointer("schema_versions", "run_manifest")))
    return findings


@contextlib.contextmanager
def _verified(archive: zipfile.ZipFile, label: str, max_bytes: int,
              progress: ProgressStart | None, kaggle_log: KaggleCopy | None = None,
              allow_template: bool = False) -> Iterator[tuple[Verification, Path | None]]:
    """Verify an open archive; while the with-block lasts, its extracted run directory (None
    when nothing could be extracted)."""
    infos = archive.infolist()
    problems = inspect_entries(infos, max_bytes, label) or structure_problems(archive, label)
    if problems:
        yield Verification(problems), None
        return
    loaded = _read_lock(archive)
    if loaded.model is None or loaded.findings:
        yield Verification(loaded.findings), None
        return
    lock = loaded.model
    result = Verification(compare_with_lock(lock, infos), lock=lock)
    with tempfile.TemporaryDirectory(prefix="evidence-verify-") as temp:
        result.archive_findings += extract_locked(archive, infos, lock, Path(temp), progress)
        run_dir = Path(temp) / lock.run_id
        result.archive_findings += _run_id_agrees(run_dir, lock)
        if not run_dir.is_dir():
            yield result, None
            return
        result.run_findings = validate_run(run_dir, progress=progress, kaggle_log=kaggle_log,
                                           allow_template=allow_template).findings
        yield result, run_dir


def verify_archive(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   progress: ProgressStart | None = None,
                   kaggle_log: KaggleCopy | None = None) -> Verification:
    """Verify an archive written by `evidence package`. Raises FileNotFoundError (a usage error)
    when there is no such file; anything wrong with its content is a finding. With Kaggle's
    copy of the log, the archived run is also compared with it."""
    if not path.is_file():
        raise FileNotFoundError(2, "no such archive", str(path))
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as error:
        return Verification([Finding(path.name, Code.ARCHIVE_UNREADABLE,
                                     f"not a readable zip archive: {error}")])
    with archive, _verified(archive, path.name, max_bytes, progress, kaggle_log) as (result, _):
        return result


@dataclass
class OpenedRun:
    """A run to read: its directory (an archive's verified, extracted copy while the with-block
    lasts), and what validating or verifying it found. `run_dir` is None when there is nothing
    to read; `result.error` says why when the path is neither a run nor an archive."""

    run_dir: Path | None
    result: RunResult


@contextlib.contextmanager
def opened_run(path: Path, *, allow_template: bool = False,
               progress: ProgressStart | None = None) -> Iterator[OpenedRun]:
    """A run directory, validated, or an archive of `evidence package`, verified (never
    extracted by hand): what compare and report read a run through."""
    if path.is_dir():
        try:
            opened = OpenedRun(path, validate_run(path, allow_template=allow_template,
                                                  progress=progress))
        except RunDirectoryError as error:  # not searchable after all
            opened = OpenedRun(None, RunResult(str(path),
                                               error=str(error).removeprefix(f"{path}: ")))
        yield opened
        return
    if not path.is_file():
        yield OpenedRun(None, RunResult(str(path), error="no such run directory or archive"))
        return
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as error:
        yield OpenedRun(None, RunResult(str(path), [Finding(
            path.name, Code.ARCHIVE_UNREADABLE, f"not a run directory, nor a readable zip "
                                                f"archive: {error}")]))
        return
    with archive, _verified(archive, path.name, DEFAULT_MAX_BYTES, progress,
                            allow_template=allow_template) as (verified, run_dir):
        yield OpenedRun(run_dir, RunResult(str(path), verified.findings))
