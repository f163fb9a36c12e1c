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

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "valid": self.valid,
                "findings": [finding.to_json() for finding in self.findings]}


@dataclass
class CommandResult:
    """One command's outcome: the subjects it checked and its own result (a JSON object).

    `ok` is false when any subject has findings or the command itself refused (`refused`)."""

    command: str
    runs: list[RunResult] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    refused: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [finding for run in self.runs for finding in run.findings]

    @property
    def ok(self) -> bool:
        return not self.refused and all(run.valid for run in self.runs)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FINDINGS
