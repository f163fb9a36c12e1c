"""Shared field types: digests, identifiers, rates, counts, times, paths and placeholders.

Every document model is built from these, so a rule such as "a rate lies in [0, 1]" is written
once and holds in every file and in the exported JSON Schemas alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, TypeAlias, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    StringConstraints,
)
from pydantic_core import core_schema


class StrictModel(BaseModel):
    """Base of every evidence model: no coercion, no unknown keys, immutable once read."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


PLACEHOLDER_RE = re.compile(r"^<FILL: [A-Za-z0-9_./\[\]-]+>$")


class Placeholder(str):
    """A template's stand-in for a value the run has not produced yet, e.g. ``<FILL: run_id>``.

    It is a string so that a template stays valid JSON whatever the field's real type is.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls,
            core_schema.str_schema(pattern=PLACEHOLDER_RE.pattern, strict=True),
            serialization=core_schema.to_string_ser_schema(),
        )

    @staticmethod
    def for_field(name: str) -> Placeholder:
        return Placeholder(f"<FILL: {name}>")


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and PLACEHOLDER_RE.match(value) is not None


T = TypeVar("T")
# A fillable field holds its real value, or a placeholder while the evidence is a template.
Fillable: TypeAlias = T | Placeholder

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
GitCommit = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
]
# No whitespace at either end, one line. Spelled out rather than \S, which Rust (the models) and
# Python (most JSON Schema tools) read differently, so that models and schemas agree.
_TRIMMED_LINE = r"^[^ \t\n\r\f\v](?:[^\n]*[^ \t\n\r\f\v])?$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_TRIMMED_LINE)]
Count = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


def _as_utc_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Times must carry a zone; they are written back in UTC with a "Z".
UtcTime = Annotated[AwareDatetime, PlainSerializer(_as_utc_z, return_type=str, when_used="json")]


def _confined(path: str) -> str:
    """Reject paths that could leave the run directory before anything touches the disk."""
    if "\n" in path or "\r" in path:
        raise ValueError("must be a single line")
    if "\\" in path:
        raise ValueError("use '/' as the separator, not '\\'")
    pure = PurePosixPath(path)
    if pure.is_absolute():
        raise ValueError("must be relative to the run directory, not absolute")
    if ".." in pure.parts:
        raise ValueError("must not contain '..'")
    if path in ("", ".") or path.endswith("/"):
        raise ValueError("must name a file inside the run directory")
    return path


# The JSON Schema states `_confined` as a pattern, for tools that read only the schema.
_CONFINED_PATTERN = r"^(?!/)(?!.*\\)(?!(?:.*/)?\.\.(?:/|$))(?!\.$)(?!.*/$).+$"
RelPath = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1024),
    AfterValidator(_confined),
    Field(json_schema_extra={"pattern": _CONFINED_PATTERN}),
]
