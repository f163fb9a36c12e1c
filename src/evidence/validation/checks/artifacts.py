"""Every artifact the manifest lists exists inside the run, with its digest and size, and
nothing else is in the run directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.digest import FileDigest, ProgressStart, sha256_file
from evidence.io.pointer import pointer
from evidence.io.run_files import collect_run_files, resolves_inside
from evidence.models.artifact import ArtifactRef
from evidence.models.manifest import MANIFEST_FILE


def _digest(path: Path, artifact: ArtifactRef, progress: ProgressStart | None,
            read: FileDigest | None) -> FileDigest:
    """The file's size and SHA-256: as validate read it to check it (predictions.jsonl, the
    log), so that they are of the very bytes it checked; else from a read now, skipped (its
    digest left empty) when the size alone already differs."""
    if read is not None:
        return read
    size = path.stat().st_size
    if size != artifact.size_bytes:  # a wrong size needs no digest
        return FileDigest("", size)
    digest, _ = sha256_file(path, progress(artifact.path, size) if progress else None)
    return FileDigest(digest, size)


def _check_artifact(run_dir: Path, index: int, artifact: ArtifactRef,
                    progress: ProgressStart | None, read: FileDigest | None) -> list[Finding]:
    at = pointer("artifacts", index)
    path = run_dir / artifact.path
    if not path.exists() and not path.is_symlink():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_MISSING,
                        f"{artifact.path} is listed but missing", at)]
    if not resolves_inside(run_dir, path):
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_OUTSIDE_RUN,
                        f"{artifact.path} leads outside the run directory (a symlink?)", at)]
    if not path.is_file():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_NOT_REGULAR,
                        f"{artifact.path} is not a regular file", at)]
    try:
        digest, size = _digest(path, artifact, progress, read)
    except OSError as error:
        return [Finding(MANIFEST_FILE, Code.FILE_UNREADABLE,
                        f"cannot read {artifact.path} to check its digest: "
                        f"{error.strerror or error}; make it readable", at)]
    if size != artifact.size_bytes:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_SIZE_MISMATCH,
                        f"{artifact.path} is {size} bytes, the manifest says "
                        f"{artifact.size_bytes}", at + "/size_bytes")]
    if digest != artifact.sha256:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_DIGEST_MISMATCH,
                        f"{artifact.path} changed after the run: its SHA-256 is {digest}",
                        at + "/sha256")]
    return []


def check_artifacts(run_dir: Path, artifacts: list[ArtifactRef],
                    progress: ProgressStart | None = None,
                    read: Mapping[str, FileDigest] | None = None) -> list[Finding]:
    """Every listed artifact exists inside the run with its digest and size; nothing unlisted.
    `read`: the digests of run files validate has already read, by path in the run, so that
    no file is read twice."""
    findings = []
    for index, artifact in enumerate(artifacts):
        known = read.get(artifact.path) if read else None
        findings += _check_artifact(run_dir, index, artifact, progress, known)
    listed = {artifact.path for artifact in artifacts} | {MANIFEST_FILE}
    walked = collect_run_files(run_dir)
    findings += [finding for finding in walked.findings if finding.code is Code.FILE_UNREADABLE]
    for extra in sorted(walked.every_entry - listed):
        findings.append(Finding(extra, Code.ARTIFACT_UNLISTED,
                                f"{extra} is in the run directory but not in the manifest's "
                                "artifacts; list it (with its digest) or remove it"))
    return findings
