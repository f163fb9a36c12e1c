"""The one file digest: SHA-256, streamed in chunks so memory stays flat for any artifact size."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from evidence.models.artifact import ArtifactRef

CHUNK_BYTES = 1024 * 1024

# Called with the number of bytes just hashed; the CLI draws a progress bar with it.
Progress = Callable[[int], None]


def sha256_file(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    """(hex digest, size in bytes) of the file's content."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest(), size


def describe_artifact(run_dir: Path, relative: str,
                      progress: Progress | None = None) -> ArtifactRef:
    """The manifest's reference to a file of the run: its path, SHA-256 and size."""
    digest, size = sha256_file(run_dir / relative, progress)
    return ArtifactRef(path=relative, sha256=digest, size_bytes=size)
