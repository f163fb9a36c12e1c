"""The one translation of pydantic's errors into our words: a stable code, a message, and where.

JSON documents get findings at JSON pointers into the data (`pydantic_findings`); YAML files
(configs, profiles) get one line per problem with the file, line and dotted key (`keyed_problems`).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from evidence.findings import Code, Finding
from evidence.io.pointer import pointer
from evidence.io.strict_yaml import KeyLines

_TYPE_ERRORS = ("_type", "literal_error", "is_instance_of", "union_tag_invalid")


def _data_pointer(raw: Any, loc: tuple[str | int, ...], missing: bool) -> str:
    """Turn a pydantic error location into a pointer into the data. Items that are not keys of
    the data are the labels pydantic gives union branches, and are dropped; a missing key is
    the one place the pointer names a key that is not there."""
    tokens: list[str | int] = []
    current: Any = raw
    for item in loc:
        if _has_child(current, item):
            current = current[item]
            tokens.append(item)
    if missing and loc and loc[-1] not in tokens[-1:]:
        tokens.append(loc[-1])
    return pointer(*tokens)


def _has_child(value: Any, item: str | int) -> bool:
    if isinstance(value, dict):
        return isinstance(item, str) and item in value
    return isinstance(value, list) and isinstance(item, int) and 0 <= item < len(value)


def _finding_code(error: ErrorDetails) -> Code:
    kind = error["type"]
    if kind == "missing":
        return Code.SCHEMA_MISSING_KEY
    if kind == "extra_forbidden":
        return Code.SCHEMA_UNKNOWN_KEY
    if kind.endswith(_TYPE_ERRORS) or kind in _TYPE_ERRORS:
        return Code.SCHEMA_TYPE
    return Code.SCHEMA_VALUE


def _is_placeholder_branch(error: ErrorDetails) -> bool:
    return any(isinstance(item, str) and item.startswith("function-after[Placeholder(")
               for item in error["loc"])


def _message(error: ErrorDetails, code: Code) -> str:
    if code is Code.SCHEMA_UNKNOWN_KEY:
        return "unknown key; remove it or check its spelling"
    if code is Code.SCHEMA_MISSING_KEY:
        return "required key is missing"
    text = error["msg"].removeprefix("Value error, ")
    if code is Code.SCHEMA_TYPE:
        given = type(error["input"]).__name__.replace("NoneType", "null").replace("dict", "object")
        return f"{text} (got {given})"
    return text


def pydantic_findings(file: str, raw: Any, error: ValidationError) -> list[Finding]:
    """One finding per wrong place, preferring the real type's message over the placeholder's."""
    findings: dict[str, Finding] = {}
    for detail in error.errors():
        if _is_placeholder_branch(detail):
            continue
        code = _finding_code(detail)
        at = _data_pointer(raw, tuple(detail["loc"]), code is Code.SCHEMA_MISSING_KEY)
        findings.setdefault(at + "\0" + code, Finding(file, code, _message(detail, code), at))
    return list(findings.values())


def _nearest_line(loc: tuple[str, ...], lines: KeyLines) -> int | None:
    """The line of the key, or of its closest parent that is in the file (a missing key)."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _yaml_message(detail: ErrorDetails, code: Code) -> str:
    given = detail.get("input")
    if code is Code.SCHEMA_UNKNOWN_KEY:
        return "unknown key; remove it or check its spelling"
    if code is Code.SCHEMA_MISSING_KEY:
        return "required key is missing"
    message = f"{detail['msg'].removeprefix('Value error, ')} (got {given!r})"
    if detail["type"] == "float_type" and isinstance(given, str) and _looks_numeric(given):
        message += "; YAML reads 1e-4 as text, write 1.0e-4"
    return message


def keyed_problems(where: str, error: ValidationError, lines: KeyLines,
                   union_tags: frozenset[str] = frozenset()) -> list[str]:
    """One `where:LINE: dotted.key: message` per problem of a model read from YAML. A
    discriminated union puts its tag into the location (model.tiny.layers); the file has no such
    key, so tags named in `union_tags` are dropped."""
    problems = []
    for detail in error.errors():
        loc = tuple(str(part) for part in detail["loc"] if str(part) not in union_tags)
        line = _nearest_line(loc, lines)
        at = f"{where}:{line}" if line else where
        message = _yaml_message(detail, _finding_code(detail))
        problems.append(f"{at}: {'.'.join(loc) or '(top level)'}: {message}")
    return problems
