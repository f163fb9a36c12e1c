"""The one file digest: SHA-256, streamed in chunks so memory stays flat for any artifact size."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from evidence.models.artifact import ArtifactRef

CHUNK_BYTES = 1024 * 1024

# Called with the number of bytes just hashed; the CLI draws a progress bar with it.
Progress = Callable[[int], None]
# Given a file's name and size, returns the callback that advances its progress display.
ProgressStart = Callable[[str, int], Progress]


def sha256_bytes(data: bytes) -> str:
    """Hex digest of bytes already in memory (a config or data set read to be parsed)."""
    return hashlib.sha256(data).hexdigest()


def sha256_stream(source: IO[bytes], progress: Progress | None = None,
                  sink: Callable[[bytes], object] | None = None) -> tuple[str, int]:
    """(hex digest, size in bytes) of what `source` yields until its end. Each chunk also goes to
    `sink` when given, so that a copy (into an archive, out of one) and its digest come from the
    same single read."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink(chunk)
        if progress is not None:
            progress(len(chunk))
    return digest.hexdigest(), size


def sha256_file(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    """(hex digest, size in bytes) of the file's content."""
    with path.open("rb") as handle:
        return sha256_stream(handle, progress)


def describe_artifact(run_dir: Path, relative: str,
                      progress: Progress | None = None) -> ArtifactRef:
    """The manifest's reference to a file of the run: its path, SHA-256 and size."""
    digest, size = sha256_file(run_dir / relative, progress)
    return ArtifactRef(path=relative, sha256=digest, size_bytes=size)
