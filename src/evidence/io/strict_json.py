"""The one strict JSON reader.

Strict reading turns everything Python's json module would quietly accept or crash on into a
`StrictJsonError`: invalid UTF-8, duplicate keys, NaN/Infinity (and numbers too large for a float,
which Python reads as infinity), integers too long to be a number anything here means (CPython
refuses to convert more than 4,300 digits), lone UTF-16 surrogates (``"\\ud800"``, which no
UTF-8 text can hold), a top level that is not an object, empty or oversized input.

A refused value is not raised where the parser meets it, which has no idea where it is: it is
parsed into a `_Refused` marker, and one walk of the finished document names the first problem
by its JSON pointer.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from evidence.findings import Code
from evidence.io.pointer import pointer

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
# The longest integer literal read as a number. Every integer evidence holds fits in int64
# (19 digits) and the models bound them there; anything much longer is garbage, and past 4,300
# digits CPython will not even convert it. 100 leaves room for a model to say "too large".
MAX_INT_DIGITS = 100
# A `\u` escape of a UTF-16 surrogate: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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


class _Refused:
    """A value the parser met that strict JSON refuses; the walk names its pointer."""

    __slots__ = ("code", "message")

    def __init__(self, code: Code, message: str) -> None:
        self.code = code
        self.message = message


def _constant(name: str) -> _Refused:
    return _Refused(Code.JSON_NON_FINITE, f"{name} is not a JSON number; write a finite value")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isinf(value):
        return _Refused(Code.JSON_NON_FINITE,
                        f"{_shortened(text)} is too large for a number (it reads as infinity); "
                        "write a finite value")
    return value


def _int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Refused(Code.JSON_NUMBER_TOO_LARGE,
                        f"an integer of {digits} digits; no evidence field holds more than "
                        f"{MAX_INT_DIGITS} (counts, sizes and ids fit in 64 bits)")
    return int(text)


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}"


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


_LONE_SURROGATE = ("holds a lone UTF-16 surrogate (an escape such as \\ud800 without its "
                   "pair), which no UTF-8 text can hold; write the character itself")


def _find_problem(value: Any, surrogates: bool,
                  path: tuple[str | int, ...] = ()) -> tuple[Code, str, str] | None:
    """(code, message, pointer) of the first refused value in document order: a key seen twice,
    a refused number, a key or string holding a lone surrogate. `surrogates`: whether strings
    need looking at (only when the text has a surrogate escape)."""
    if isinstance(value, _Refused):
        return value.code, value.message, pointer(*path)
    if surrogates and isinstance(value, str) and _has_surrogate(value):
        return Code.JSON_LONE_SURROGATE, f"the string {_LONE_SURROGATE}", pointer(*path)
    if isinstance(value, dict):
        if isinstance(value, _KeysSeenTwice):
            return (Code.JSON_DUPLICATE_KEY, "key appears twice in one object; keep one",
                    pointer(*path, value.duplicates[0]))
        for key, child in value.items():
            if surrogates and _has_surrogate(key):
                # The pointer spells the surrogate as its escape, so that it can be printed.
                spelled = key.encode("utf-8", "backslashreplace").decode("utf-8")
                return (Code.JSON_LONE_SURROGATE, f"the key {_LONE_SURROGATE}",
                        pointer(*path, spelled))
            found = _find_problem(child, surrogates, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _find_problem(child, surrogates, (*path, index))
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
                           parse_constant=_constant, parse_float=_float, parse_int=_int)
        problem = _find_problem(value, _SURROGATE_ESCAPE.search(data) is not None)
    except json.JSONDecodeError as error:
        raise StrictJsonError(Code.JSON_SYNTAX,
                              f"invalid JSON: {error.msg} (line {error.lineno}, column "
                              f"{error.colno})", line=error.lineno) from None
    except RecursionError:
        raise StrictJsonError(Code.JSON_SYNTAX, "invalid JSON: nested too deeply") from None
    if problem is not None:
        code, message, at = problem
        raise StrictJsonError(code, message, pointer=at)
    if not isinstance(value, dict):
        raise StrictJsonError(Code.JSON_NOT_OBJECT,
                              f"the top level is a JSON {type(value).__name__}, expected an object")
    return value
