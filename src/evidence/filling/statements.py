"""Statements: what the log (and the Kaggle options) say each field holds, and where they say it.

Read in one pass over the log and kept one per field, so memory does not grow with the log.
A field stated twice must be stated the same both times: a log holds one run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evidence.filling.fields import unknown_field
from evidence.findings import Code, Finding
from evidence.io.pointer import pointer_tokens
from evidence.logs import LogError, StatedLine
from evidence.models.types import is_placeholder
from evidence.registry import STATED_DOCUMENTS, Document

# Past this many problems a log is clearly not what fill expects; more would not help.
MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class Statement:
    doc: str
    pointer: str
    value: Any
    source: str
    line: int | None = None


class FillError(Exception):
    """Fill cannot go on: the log, the options or the run directory's documents are wrong."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(finding.message for finding in findings))
        self.findings = findings


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: 1, 1.0 and true are three different values; key order does not count."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def show(value: Any, width: int = 72) -> str:
    """A value as JSON on one line, cut to a readable width."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= width else text[:width - 1] + "…"


class StatementSet:
    """One statement per field, in the order fields were first stated; each field checked
    against the version of its document that `targets` names (default: the current ones)."""

    def __init__(self, file: str, targets: dict[str, Document] | None = None) -> None:
        self.file = file
        self.targets = targets if targets is not None else STATED_DOCUMENTS
        self.by_field: dict[tuple[str, str], Statement] = {}
        self.problems: list[Finding] = []

    def add(self, statement: Statement) -> None:
        model = self.targets[statement.doc].model
        problem = unknown_field(model, pointer_tokens(statement.pointer))
        if problem is not None:
            self._problem(Code.LOG_UNKNOWN_FIELD, f"{statement.source}: {statement.doc} has no "
                          f"field {statement.pointer} ({problem})", statement.line)
            return
        key = (statement.doc, statement.pointer)
        earlier = self.by_field.get(key)
        if earlier is None or is_placeholder(earlier.value):
            self.by_field[key] = statement
        elif not is_placeholder(statement.value) and not same_json(earlier.value,
                                                                    statement.value):
            why = "check the option" if statement.source.startswith("--") \
                else "a log must hold one run"
            self._problem(Code.LOG_CONTRADICTION,
                          f"{statement.doc} {statement.pointer}: {earlier.source} says "
                          f"{show(earlier.value)}, {statement.source} says "
                          f"{show(statement.value)}; {why}", statement.line)

    def add_log(self, stated: Iterable[StatedLine]) -> None:
        try:
            for line in stated:
                self.add(Statement(line.evidence.doc, line.evidence.pointer, line.evidence.value,
                                   f"{line.at.where} of {self.file}", line.at.line))
        except LogError as error:
            self.problems.append(Finding(self.file, error.code, error.message, line=error.line))

    def _problem(self, code: Code, message: str, line: int | None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Finding(self.file, code, message, line=line))

    def statements(self) -> list[Statement]:
        if self.problems:
            raise FillError(self.problems)
        return list(self.by_field.values())
