"""The one file digest: SHA-256, streamed in chunks so memory stays flat for any artifact size."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, NamedTuple

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


class FileDigest(NamedTuple):
    """The SHA-256 and size of a file's bytes as one reader read them."""

    sha256: str
    size: int


class HashingReader(io.RawIOBase):
    """A file read once: each byte is hashed the first time the caller reads it, so the digest
    is of exactly the bytes the caller parsed. A file that changes while it is read cannot show
    one content to the parser and another to the digest, and it costs no second read.

    Seeking back and reading again (form detection reads a log's start, then the reader reads
    it from the start) hashes nothing twice. Seeking past bytes not yet read leaves a gap, and
    then there is no digest: `finish` returns None."""

    def __init__(self, raw: IO[bytes], progress: Progress | None = None) -> None:
        super().__init__()
        self._raw = raw
        self._progress = progress
        self._sha = hashlib.sha256()
        self._hashed = 0  # the file's first `_hashed` bytes went into the digest
        self._position = raw.tell()
        self._gap = self._position != 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._position = self._raw.seek(offset, whence)
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        data = self._raw.read(-1 if size is None else size)
        start, self._position = self._position, self._position + len(data)
        if start > self._hashed:
            self._gap = True
        elif self._position > self._hashed:
            self._sha.update(memoryview(data)[self._hashed - start:])
            if self._progress is not None:
                self._progress(self._position - self._hashed)
            self._hashed = self._position
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def finish(self) -> FileDigest | None:
        """The digest of the whole file: what the caller left unread is read (and hashed) now,
        so a reader that stopped early (at an error, at a size it was told) still yields one."""
        self.seek(self._hashed)
        while self.read(CHUNK_BYTES):
            pass
        return None if self._gap else FileDigest(self._sha.hexdigest(), self._hashed)

    def close(self) -> None:
        self._raw.close()
        super().close()


def describe_artifact(run_dir: Path, relative: str,
                      progress: Progress | None = None) -> ArtifactRef:
    """The manifest's reference to a file of the run: its path, SHA-256 and size."""
    digest, size = sha256_file(run_dir / relative, progress)
    return ArtifactRef(path=relative, sha256=digest, size_bytes=size)
