"""The one atomic writer: a file appears whole at its path, or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file to stream into that appears at `path` whole when the block ends, or not at all.

    Temp file in the same directory, fsync, rename, then fsync the directory so the rename lasts.
    """
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp:
            yield temp
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never a part."""
    with atomic_output(path) as output:
        output.write(data)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def dump_model(model: BaseModel) -> bytes:
    """The one serialisation of an evidence document: indented JSON, newline at the end."""
    # by_alias: a field whose JSON name is not a Python name (in-toto's `_type`) keeps it.
    return (model.model_dump_json(indent=2, by_alias=True) + "\n").encode("utf-8")


def write_model_atomic(path: Path, model: BaseModel) -> None:
    write_bytes_atomic(path, dump_model(model))


def dump_jsonl(rows: Iterable[BaseModel]) -> bytes:
    return b"".join(row.model_dump_json().encode("utf-8") + b"\n" for row in rows)


def write_jsonl_atomic(path: Path, rows: Iterable[BaseModel]) -> None:
    write_bytes_atomic(path, dump_jsonl(rows))
