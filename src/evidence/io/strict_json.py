"""The one strict JSON reader.

Strict reading turns everything Python's json module would quietly accept or crash on into a
`StrictJsonError`: invalid UTF-8, duplicate keys, NaN/Infinity, a top level that is not an object,
empty or oversized input.
"""

from __future__ import annotations

import json
from typing import Any

from evidence.findings import Code
from evidence.io.pointer import pointer

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


class StrictJsonError(Exception):
    def __init__(self, code: Code, message: str, *, pointer: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pointer = pointer
        self.line = line


class _KeysSeenTwice(dict[str, Any]):
    """An object that held a key twice; remembers which, so the reader can name its pointer."""

    duplicates: list[str]


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _KeysSeenTwice(result)
    seen: set[str] = set()
    marked.duplicates = []
    for key, _ in pairs:
        if key in seen:
            marked.duplicates.append(key)
        seen.add(key)
    return marked


def _reject_constant(name: str) -> Any:
    raise StrictJsonError(Code.JSON_NON_FINITE,
                          f"{name} is not a JSON number; write a finite value")


def _find_duplicate(value: Any, path: tuple[str | int, ...] = ()) -> str | None:
    if isinstance(value, _KeysSeenTwice):
        return pointer(*path, value.duplicates[0])
    children = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in children:
        found = _find_duplicate(child, (*path, key))
        if found is not None:
            return found
    return None


def loads_strict(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """Parse one JSON object strictly, or raise `StrictJsonError` saying what is wrong and where."""
    if len(data) > max_bytes:
        raise StrictJsonError(Code.FILE_TOO_LARGE,
                              f"{len(data)} bytes is over the {max_bytes}-byte limit")
    if not data.strip():
        raise StrictJsonError(Code.JSON_EMPTY, "empty: expected a JSON object")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StrictJsonError(Code.JSON_INVALID_UTF8,
                              f"not UTF-8 (byte {error.start}); save the file as UTF-8",
                              line=data.count(b"\n", 0, error.start) + 1) from None
    try:
        value = json.loads(text, object_pairs_hook=_object_without_duplicates,
                           parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise StrictJsonError(Code.JSON_SYNTAX,
                              f"invalid JSON: {error.msg} (line {error.lineno}, column "
                              f"{error.colno})", line=error.lineno) from None
    except RecursionError:
        raise StrictJsonError(Code.JSON_SYNTAX, "invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise StrictJsonError(Code.JSON_NOT_OBJECT,
                              f"the top level is a JSON {type(value).__name__}, expected an object")
    duplicate = _find_duplicate(value)
    if duplicate is not None:
        raise StrictJsonError(Code.JSON_DUPLICATE_KEY,
                              "key appears twice in one object; keep one", pointer=duplicate)
    return value
