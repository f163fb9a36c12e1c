"""Merging statements into a template's raw document.

A placeholder (or a missing key) takes the stated value; an equal value stays; a different real
value is a conflict, recorded with the stated value put in its place (what --force writes).
A stated value that is itself a placeholder says nothing and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from evidence.filling.fields import null_means_unstated
from evidence.filling.statements import Statement, same_json, show
from evidence.findings import Code, Finding
from evidence.io.pointer import escape_pointer_token, pointer_tokens
from evidence.models.types import is_placeholder


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Change:
    file: str
    pointer: str
    old: Any
    new: Any
    source: str


@dataclass(frozen=True, slots=True)
class Conflict:
    file: str
    pointer: str
    current: Any
    incoming: Any
    source: str

    def finding(self) -> Finding:
        if not self.pointer:
            return Finding(self.file, Code.FILL_CONFLICT,
                           f"holds {self.current}; {self.source} would replace it with "
                           f"{self.incoming}")
        if self.pointer == "/run_id":
            return Finding(self.file, Code.FILL_CONFLICT,
                           f"the run ids differ: this run directory is run {show(self.current)}"
                           f", the log ({self.source}) is of run {show(self.incoming)}",
                           self.pointer)
        return Finding(self.file, Code.FILL_CONFLICT,
                       f"holds {show(self.current)}, {self.source} says {show(self.incoming)}",
                       self.pointer)


@dataclass
class DocumentMerge:
    file: str
    model: type[BaseModel]
    raw: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def apply(self, statement: Statement) -> None:
        tokens = pointer_tokens(statement.pointer)
        parent = self._parent(tokens, statement)
        if parent is None:
            return
        current = parent.get(tokens[-1], MISSING)
        if current is None and statement.value is not None \
                and null_means_unstated(self.model, tokens):
            current = MISSING
        merged = self._merge(current, statement.value, statement.pointer, statement.source)
        if merged is not MISSING:
            parent[tokens[-1]] = merged

    def _parent(self, tokens: list[str], statement: Statement) -> dict[str, Any] | None:
        node: dict[str, Any] = self.raw
        for depth, token in enumerate(tokens[:-1]):
            child = node.get(token, MISSING)
            if not isinstance(child, dict):
                at = "/" + "/".join(escape_pointer_token(t) for t in tokens[:depth + 1])
                self.problems.append(Finding(
                    self.file, Code.LOG_UNKNOWN_FIELD,
                    f"{statement.source} states {statement.pointer}, but {at} is "
                    f"{_describe(child)}, not an object; the log must state {at} whole", at))
                return None
            node = child
        return node

    def _merge(self, current: Any, incoming: Any, at: str, source: str) -> Any:
        if is_placeholder(incoming) or (current is not MISSING and same_json(current, incoming)):
            return current
        if current is MISSING or is_placeholder(current):
            self.changes.append(Change(self.file, at, current, incoming, source))
            return incoming
        if isinstance(current, dict) and isinstance(incoming, dict) \
                and current.keys() == incoming.keys():
            return {key: self._merge(value, incoming[key], f"{at}/{escape_pointer_token(key)}",
                                     source) for key, value in current.items()}
        self._conflict(Conflict(self.file, at, current, incoming, source))
        return incoming

    def _conflict(self, conflict: Conflict) -> None:
        """A value filled from one statement that another contradicts is the log's fault (or
        the options'), not the run directory's: --force must not pick one."""
        for change in self.changes:
            if _overlap(change.pointer, conflict.pointer):
                self.problems.append(Finding(
                    self.file, Code.LOG_CONTRADICTION,
                    f"{change.source} says {change.pointer} is {show(change.new)}, "
                    f"{conflict.source} says {conflict.pointer} is {show(conflict.incoming)}",
                    conflict.pointer))
                return
        self.conflicts.append(conflict)


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _describe(value: Any) -> str:
    return "missing" if value is MISSING else show(value)
