"""Reading console logs: Kaggle's JSON log, plain text, or an executed notebook, told apart by
content. Every form of one run's log gives the same visible lines, and so the same evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from evidence.findings import Code
from evidence.io.run_files import not_regular_reason, open_regular
from evidence.logs.detect import LogForm, detect_form
from evidence.logs.errors import LogError
from evidence.logs.kaggle import read_kaggle
from evidence.logs.lines import LogLine
from evidence.logs.notebook import read_notebook
from evidence.logs.plain import read_plain
from evidence.logs.protocol import MARKER
from evidence.logs.stated import StatedLine, evidence_in

__all__ = ["LogError", "LogForm", "LogLine", "StatedLine", "detect_form", "evidence_in",
           "open_log", "read_log_lines", "read_open_log", "scan_evidence", "scan_open_log"]

# Each reader takes the open log and, optionally, the text a line must contain to be kept.
READERS: dict[LogForm, Callable[[BinaryIO, str | None], Iterator[LogLine]]] = {
    LogForm.KAGGLE_JSON: read_kaggle,
    LogForm.NOTEBOOK: read_notebook,
    LogForm.PLAIN_TEXT: read_plain,
}


def open_log(path: Path) -> BinaryIO:
    """The log, open for reading; LogError when it is not a regular file (a FIFO, a device, a
    dangling symlink: named as such, and never opened, so nothing blocks) or cannot be read.
    A symlink to a regular file is followed: a log given on the command line may be one."""
    try:
        kind = not_regular_reason(path, follow=True)
        if kind is None:
            return cast(BinaryIO, open_regular(path, follow=True))
    except OSError as error:
        raise LogError(Code.FILE_UNREADABLE,
                       f"cannot read the log {path.name}: {error.strerror or error}") from None
    raise LogError(Code.FILE_UNREADABLE,
                   f"the log {path.name} is {kind}, not a regular file; give the log file itself")


def read_log_lines(path: Path, wanted: str | None = None) -> Iterator[LogLine]:
    """The visible lines of a log in any form (those containing `wanted`, if given); LogError
    if it cannot be read or its form is broken."""
    with open_log(path) as handle:
        yield from read_open_log(handle, path.name, wanted)


def read_open_log(handle: BinaryIO, name: str, wanted: str | None = None) -> Iterator[LogLine]:
    """read_log_lines of a log already open at its start (validate reads the run's log through
    a hashing reader, so that its digest comes from the same read)."""
    try:
        yield from READERS[detect_form(handle)](handle, wanted)
    except OSError as error:
        raise LogError(Code.FILE_UNREADABLE,
                       f"cannot read the log {name}: {error.strerror or error}") from None


def scan_evidence(path: Path) -> Iterator[StatedLine]:
    """The evidence lines of a log in any form, in order."""
    return evidence_in(read_log_lines(path, MARKER))


def scan_open_log(handle: BinaryIO, name: str) -> Iterator[StatedLine]:
    """scan_evidence of a log already open at its start."""
    return evidence_in(read_open_log(handle, name, MARKER))
