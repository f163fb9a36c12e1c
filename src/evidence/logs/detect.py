"""Which form a log is in, told from its first bytes, never from its file name."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import BinaryIO

from evidence.logs.kaggle import BOM

HEAD_BYTES = 4096
_KAGGLE_START = re.compile(rb'\[\s*(?:\]|\{\s*"(?:stream_name|time|data)"\s*:)')
_NOTEBOOK_START = re.compile(rb'\{\s*"(?:cells|metadata|nbformat|nbformat_minor)"\s*:')


class LogForm(StrEnum):
    KAGGLE_JSON = "Kaggle JSON log"
    NOTEBOOK = "executed notebook"
    PLAIN_TEXT = "plain text"


def detect_form(handle: BinaryIO) -> LogForm:
    """Looks at the start of the file and puts the handle back where it was."""
    start = handle.tell()
    head = handle.read(HEAD_BYTES).removeprefix(BOM).lstrip()
    handle.seek(start)
    if _KAGGLE_START.match(head):
        return LogForm.KAGGLE_JSON
    if _NOTEBOOK_START.match(head):
        return LogForm.NOTEBOOK
    return LogForm.PLAIN_TEXT
