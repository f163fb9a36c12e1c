"""Every artifact the manifest lists exists inside the run, with its digest and size, and
nothing else is in the run directory."""

from __future__ import annotations

import os
from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart, sha256_file
from evidence.io.pointer import pointer
from evidence.models.artifact import ArtifactRef
from evidence.models.manifest import MANIFEST_FILE


def _inside(run_dir: Path, path: Path) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(run_dir) + os.sep)


def _check_artifact(run_dir: Path, index: int, artifact: ArtifactRef,
                    progress: ProgressStart | None) -> list[Finding]:
    at = pointer("artifacts", index)
    path = run_dir / artifact.path
    if not path.exists() and not path.is_symlink():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_MISSING,
                        f"{artifact.path} is listed but missing", at)]
    if not _inside(run_dir, path):
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_OUTSIDE_RUN,
                        f"{artifact.path} leads outside the run directory (a symlink?)", at)]
    if not path.is_file():
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_NOT_REGULAR,
                        f"{artifact.path} is not a regular file", at)]
    size = path.stat().st_size
    if size != artifact.size_bytes:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_SIZE_MISMATCH,
                        f"{artifact.path} is {size} bytes, the manifest says "
                        f"{artifact.size_bytes}", at + "/size_bytes")]
    digest, _ = sha256_file(path, progress(artifact.path, size) if progress else None)
    if digest != artifact.sha256:
        return [Finding(MANIFEST_FILE, Code.ARTIFACT_DIGEST_MISMATCH,
                        f"{artifact.path} changed after the run: its SHA-256 is {digest}",
                        at + "/sha256")]
    return []


def _run_files(run_dir: Path) -> set[str]:
    found = set()
    for root, dirs, files in os.walk(run_dir):
        dirs.sort()
        for name in files:
            found.add((Path(root) / name).relative_to(run_dir).as_posix())
    return found


def check_artifacts(run_dir: Path, artifacts: list[ArtifactRef],
                    progress: ProgressStart | None = None) -> list[Finding]:
    """Every listed artifact exists inside the run with its digest and size; nothing unlisted."""
    findings = []
    for index, artifact in enumerate(artifacts):
        findings += _check_artifact(run_dir, index, artifact, progress)
    listed = {artifact.path for artifact in artifacts} | {MANIFEST_FILE}
    for extra in sorted(_run_files(run_dir) - listed):
        findings.append(Finding(extra, Code.ARTIFACT_UNLISTED,
                                f"{extra} is in the run directory but not in the manifest's "
                                "artifacts; list it (with its digest) or remove it"))
    return findings
