"""`evidence package`: a valid run into a reproducible zip with its lock, or a refusal.

Each file is read once while it is compressed and hashed, so the lock states the digest of the
very bytes in the archive; if a file no longer matches what validation saw (a run still writing),
packaging stops and no archive is left behind.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.atomic import atomic_output, dump_model
from evidence.io.digest import ProgressStart, sha256_stream
from evidence.io.run_files import collect_run_files, open_regular
from evidence.models.artifact import ArtifactRef
from evidence.models.lock import LOCK_FILE, EvidenceLock
from evidence.models.manifest import MANIFEST_FILE, RunManifestBase
from evidence.packaging.layout import colliding_names, entry_name, zip_entry
from evidence.packaging.lock import build_lock, named_manifest
from evidence.validation.run import validate_run


class PackageError(Exception):
    """The request itself is wrong (say, an output inside the run): a usage error."""


class _Refused(Exception):
    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("refused")
        self.findings = findings


@dataclass
class PackageResult:
    """The archive written and its lock, or the findings that refused the run."""

    findings: list[Finding] = field(default_factory=list)
    archive: Path | None = None
    lock: EvidenceLock | None = None


def _pack_file(archive: zipfile.ZipFile, run_dir: Path, run_id: str, path: str,
               progress: ProgressStart | None) -> ArtifactRef:
    with open_regular(run_dir / path) as source:
        size = os.fstat(source.fileno()).st_size
        with archive.open(zip_entry(entry_name(run_id, path), size), "w") as target:
            digest, written = sha256_stream(source, progress(path, size) if progress else None,
                                            target.write)
    return ArtifactRef(path=path, sha256=digest, size_bytes=written)


def _changed_since_validation(packed: ArtifactRef,
                              listed: dict[str, ArtifactRef]) -> Finding | None:
    if packed.path == MANIFEST_FILE:
        return None
    expected = listed.get(packed.path)
    if expected is not None and (expected.sha256, expected.size_bytes) == \
            (packed.sha256, packed.size_bytes):
        return None
    return Finding(packed.path, Code.PACKAGE_FILE_CHANGED,
                   f"{packed.path} changed while it was being packaged; wait until the run has "
                   "finished writing, then package again")


def _write_archive(out: Path, run_dir: Path, manifest: RunManifestBase, paths: list[str],
                   listed: dict[str, ArtifactRef], progress: ProgressStart | None) -> EvidenceLock:
    run_id = manifest.run_id
    with atomic_output(out) as output, zipfile.ZipFile(output, "w") as archive:
        packed = [_pack_file(archive, run_dir, run_id, path, progress) for path in paths]
        changed = [finding for file in packed
                   if (finding := _changed_since_validation(file, listed)) is not None]
        if changed:
            raise _Refused(changed)
        lock = build_lock(manifest, packed)
        text = dump_model(lock)
        archive.writestr(zip_entry(LOCK_FILE, len(text)), text)
    return lock


def _collisions(paths: list[str]) -> list[Finding]:
    """Files that would be one file once the archive is extracted on macOS or Windows: only one
    of them would survive, so the archive would not hold what the run holds."""
    return [Finding(name, Code.PACKAGE_NAME_COLLISION,
                    f"{name!a} and {earlier!a} are one name on a case-insensitive or "
                    "Unicode-normalising file system (macOS, Windows), where only one of them "
                    "could be extracted; rename one (and its manifest entry)")
            for earlier, name in colliding_names(paths)]


def _check_output(run_dir: Path, out: Path) -> None:
    if out.resolve().is_relative_to(run_dir.resolve()):
        raise PackageError(f"{out}: the archive cannot be written inside the run directory "
                           f"{run_dir}; choose another --out")
    if not out.parent.is_dir():
        raise PackageError(f"{out.parent}: no such directory for the archive")


def default_archive(run_dir: Path, run_id: str) -> Path:
    """`<run_id>.zip` in the directory that holds the run directory."""
    parent = run_dir.parent if run_dir.name not in ("", ".", "..") else run_dir.resolve().parent
    return parent / f"{run_id}.zip"


def package_run(run_dir: Path, out: Path | None = None, progress: ProgressStart | None = None,
                packing: ProgressStart | None = None) -> PackageResult:
    """Validate `run_dir`, then write it to `out` (default: `<run_id>.zip` beside the run
    directory, whichever directory the command runs from). Findings, and
    no archive, if it is not valid. Raises RunDirectoryError or PackageError for a usage error.
    `progress` follows validation's hashing, `packing` the writing of each file."""
    if out is not None:
        _check_output(run_dir, out)
    report = validate_run(run_dir, progress=progress)
    files = collect_run_files(run_dir)
    collisions = _collisions(files.paths + files.others)
    if not report.valid:
        return PackageResult(report.findings + collisions)
    if files.findings or collisions:
        return PackageResult(files.findings + collisions)
    manifest = named_manifest(run_dir)
    if manifest is None or isinstance(manifest.artifacts, str):
        return PackageResult([Finding(MANIFEST_FILE, Code.PACKAGE_FILE_CHANGED,
                                      f"{MANIFEST_FILE} changed after it was validated; "
                                      "package again")])
    archive = out if out is not None else default_archive(run_dir, manifest.run_id)
    _check_output(run_dir, archive)
    listed = {artifact.path: artifact for artifact in manifest.artifacts}
    try:
        lock = _write_archive(archive, run_dir, manifest, files.paths, listed, packing)
    except _Refused as refused:
        return PackageResult(refused.findings)
    return PackageResult(archive=archive, lock=lock)
