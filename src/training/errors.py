"""The one error the trainer shows a user: a message that says what is wrong and where, never a
traceback. The launcher prints it and exits with its code."""

from __future__ import annotations


class TrainingError(Exception):
    """A problem the user can fix (bad config, missing file, unreachable hub, ...)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
