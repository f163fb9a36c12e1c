"""The one error a log reader raises: what is wrong with the log, and where."""

from __future__ import annotations

from evidence.findings import Code


class LogError(Exception):
    """A log that cannot be read as the form it claims to be, or an evidence line in it that
    cannot be trusted. The message names the place (line, entry or cell) and what to do."""

    def __init__(self, code: Code, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
