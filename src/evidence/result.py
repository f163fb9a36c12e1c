"""What a command found, as data: the one result type that every command returns and every
reporter (text, JSON, HTML) renders. Nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence.findings import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@dataclass
class RunResult:
    """The findings about one subject: a run directory, an archive, a log."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    placeholders: int = 0
    # Set when the subject could not be checked at all (not a directory, unreadable): a usage
    # or I/O error, not a finding about the evidence.
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "valid": self.valid, "error": self.error,
                "findings": [finding.to_json() for finding in self.findings]}


@dataclass
class CommandResult:
    """One command's outcome: the subjects it checked and its own result (a JSON object).

    `ok` is false when any subject has findings or an error, when the command refused to act
    (`refused`: nothing written), or when it failed as a whole (`error`)."""

    command: str
    runs: list[RunResult] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    error: str | None = None

    @property
    def findings(self) -> list[Finding]:
        return [finding for run in self.runs for finding in run.findings]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refused and all(run.valid for run in self.runs)

    @property
    def exit_code(self) -> int:
        """0 ok, 1 findings (or refused), 2 usage or I/O error: the same in every command."""
        if self.error is not None or any(run.error is not None for run in self.runs):
            return EXIT_USAGE
        return EXIT_OK if self.ok else EXIT_FINDINGS
