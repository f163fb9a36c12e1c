"""Every artifact the manifest lists exists inside the run, with its digest and size, and
nothing else is in the run directory."""

from __future__ import annotations

from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart, sha256_file
from evidence.io.pointer import pointer
from evidence.io.run_files import collect_run_files, resolves_inside
from evidence.models.artifact import ArtifactRef
from evidence.models.manifest import MANIFEST_FILE


def _check_artifact(run_dir: Path, index: int, artifact: ArtifactRef,
                    progress: ProgressStart | None) -> list[Finding]:
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
        size = path.stat().st_size
        if size != artifact.size_bytes:
            return [Finding(MANIFEST_FILE, Code.ARTIFACT_SIZE_MISMATCH,
                            f"{artifact.path} is {size} bytes, the manifest says "
                            f"{artifact.size_bytes}", at + "/size_bytes")]
        digest, _ = sha256_file(path, progress(artifact.path, size) if progress else None)
    except OSError as error:
        return [Finding(MANIFEST_FILE, Code.FILE_UNREADABLE,
                        f"cannot read {artifact.path} to check its digest: "
                        f"{error.strerror or error}; make it readable", at)]
    if digest != artifact.sha256:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_DIGEST_MISMATCH,
                        f"{artifact.path} changed after the run: its SHA-256 is {digest}",
                        at + "/sha256")]
    return []


def check_artifacts(run_dir: Path, artifacts: list[ArtifactRef],
                    progress: ProgressStart | None = None) -> list[Finding]:
    """Every listed artifact exists inside the run with its digest and size; nothing unlisted."""
    findings = []
    for index, artifact in enumerate(artifacts):
        findings += _check_artifact(run_dir, index, artifact, progress)
    listed = {artifact.path for artifact in artifacts} | {MANIFEST_FILE}
    walked = collect_run_files(run_dir)
    findings += [finding for finding in walked.findings if finding.code is Code.FILE_UNREADABLE]
    for extra in sorted(walked.every_entry - listed):
        findings.append(Finding(extra, Code.ARTIFACT_UNLISTED,
                                f"{extra} is in the run directory but not in the manifest's "
                                "artifacts; list it (with its digest) or remove it"))
    return findings
