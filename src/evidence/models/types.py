"""Shared field types: digests, identifiers, rates, counts, times, paths and placeholders.

Every document model is built from these, so a rule such as "a rate lies in [0, 1]" is written
once and holds in every file and in the exported JSON Schemas alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
    """Base of every evidence model: no coercion, no unknown keys, immutable once read.

    `defer_build`: a model's validator is built when it is first used, not when its module is
    imported, so `evidence validate` (a pre-commit hook) pays only for the documents it reads."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, defer_build=True)


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
# A name is one line of text that reads the same in every tool: no control character (C0, DEL,
# C1, which holds U+0085 NEXT LINE) and no line or paragraph separator (U+2028, U+2029) anywhere,
# and no white space at either end. White space is the union of what Python's str.strip, Rust's
# \s and JavaScript's trim() remove (Unicode White_Space, and U+FEFF), spelled out character by
# character, since those engines (the models, the schema tools) read \s differently. Characters
# above U+00FF are written as themselves: Rust, Python and ECMA spell their escapes differently.
_NAME_FORBIDDEN = r"\x00-\x1f\x7f-\x9f" + "\u2028\u2029"
_NAME_EDGE_SPACE = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff"
_TRIMMED_LINE = (f"^[^{_NAME_FORBIDDEN}{_NAME_EDGE_SPACE}]"
                 f"(?:[^{_NAME_FORBIDDEN}]*[^{_NAME_FORBIDDEN}{_NAME_EDGE_SPACE}])?$")
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_TRIMMED_LINE)]
# Counts, sizes and steps fit in a signed 64-bit integer, as every file system, JSON tool and
# array library holds them; a larger one is not a real count, and the schemas say so too.
INT64_MAX = 2**63 - 1
Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
PositiveInt = Annotated[int, Field(ge=1, le=INT64_MAX)]
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


def _as_utc_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Times must carry a zone; they are written back in UTC with a "Z".
UtcTime = Annotated[AwareDatetime, PlainSerializer(_as_utc_z, return_type=str, when_used="json")]


def _confined(path: str) -> str:
    """Reject paths that could leave the run directory, or that name a file in more than one
    way, before anything touches the disk: a path is canonical, one name per file."""
    if _UNPRINTABLE.search(path):
        raise ValueError("must be a single line without control characters")
    if "\\" in path:
        raise ValueError("use '/' as the separator, not '\\'")
    if path.startswith("/"):
        raise ValueError("must be relative to the run directory, not absolute")
    if path in ("", ".") or path.endswith("/"):
        raise ValueError("must name a file inside the run directory")
    parts = path.split("/")
    if ".." in parts:
        raise ValueError("must not contain '..'")
    if "" in parts or "." in parts:
        raise ValueError(f"must be canonical: write {canonical_path(path)!r} "
                         "(no '.' component, no '//')")
    return path


def canonical_path(path: str) -> str:
    """The lexical normal form of a relative path: '.' components and repeated '/' dropped.
    An artifact path must already be in it; two paths name the same file when these agree."""
    return "/".join(part for part in path.split("/") if part not in ("", "."))


_UNPRINTABLE = re.compile(f"[{_NAME_FORBIDDEN}]")
# The JSON Schema states `_confined` as a pattern, for tools that read only the schema: one or
# more components joined by '/', none empty, '.' or '..', no '\\' and nothing unprintable.
_COMPONENT = rf"(?!\.\.?(?:/|$))[^/\\{_NAME_FORBIDDEN}]+"
_CONFINED_PATTERN = rf"^{_COMPONENT}(?:/{_COMPONENT})*$"
RelPath = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1024),
    AfterValidator(_confined),
    Field(json_schema_extra={"pattern": _CONFINED_PATTERN}),
]
