"""Reading console logs: Kaggle's JSON log, plain text, or an executed notebook, told apart by
content. Every form of one run's log gives the same visible lines, and so the same evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from evidence.logs.detect import LogForm, detect_form
from evidence.logs.errors import LogError
from evidence.logs.kaggle import read_kaggle
from evidence.logs.lines import LogLine
from evidence.logs.notebook import read_notebook
from evidence.logs.plain import read_plain
from evidence.logs.protocol import MARKER
from evidence.logs.stated import StatedLine, evidence_in

__all__ = ["LogError", "LogForm", "LogLine", "StatedLine", "detect_form", "evidence_in",
           "read_log_lines", "scan_evidence"]

# Each reader takes the open log and, optionally, the text a line must contain to be kept.
READERS: dict[LogForm, Callable[[BinaryIO, str | None], Iterator[LogLine]]] = {
    LogForm.KAGGLE_JSON: read_kaggle,
    LogForm.NOTEBOOK: read_notebook,
    LogForm.PLAIN_TEXT: read_plain,
}


def read_log_lines(path: Path, wanted: str | None = None) -> Iterator[LogLine]:
    """The visible lines of a log in any form (those containing `wanted`, if given); LogError
    if its form is broken."""
    with path.open("rb") as handle:
        yield from READERS[detect_form(handle)](handle, wanted)


def scan_evidence(path: Path) -> Iterator[StatedLine]:
    """The evidence lines of a log in any form, in order."""
    return evidence_in(read_log_lines(path, MARKER))
