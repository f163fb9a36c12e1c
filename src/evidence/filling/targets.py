"""What a log can fill: the two documents, and the fields their models declare."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from evidence.findings import pointer
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EVAL_SUMMARY_SCHEMA_VERSION, EvalSummary
from evidence.models.manifest import MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, RunManifest
from evidence.models.types import Placeholder


@dataclass(frozen=True, slots=True)
class Target:
    """A document the evidence protocol names (`doc`), and how it is stored and checked."""

    doc: str
    file: str
    model: type[BaseModel]
    schema_version: str


# In the order fill writes them: the manifest lists the others' digests, so it goes last.
TARGETS = {
    "eval_summary": Target("eval_summary", EVAL_SUMMARY_FILE, EvalSummary,
                           EVAL_SUMMARY_SCHEMA_VERSION),
    "run_manifest": Target("run_manifest", MANIFEST_FILE, RunManifest, MANIFEST_SCHEMA_VERSION),
}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (through Fillable, Optional and Annotated), None for a plain
    value, a list or a dict: those have keys, not fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin is Annotated:
        return _model_in(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        for member in get_args(annotation):
            found = _model_in(member)
            if found is not None:
                return found
    return None


def _admits_placeholder(annotation: Any) -> bool:
    if annotation is Placeholder:
        return True
    return any(_admits_placeholder(member) for member in get_args(annotation))


def null_means_unstated(model: type[BaseModel], tokens: list[str]) -> bool:
    """A field that cannot hold a placeholder and is null unless stated (such as a record only
    some runs make): null in a template says nothing yet, so a stated value fills it."""
    current: type[BaseModel] | None = model
    for token in tokens[:-1]:
        field = current.model_fields.get(token) if current is not None else None
        current = _model_in(field.annotation) if field is not None else None
    field = current.model_fields.get(tokens[-1]) if current is not None else None
    return field is not None and not field.is_required() and field.default is None \
        and not _admits_placeholder(field.annotation)


def unknown_field(model: type[BaseModel], tokens: list[str]) -> str | None:
    """None when the tokens name a field of the model, else what is wrong with them."""
    current: type[BaseModel] | None = model
    for depth, token in enumerate(tokens):
        if current is None:
            return f"{pointer(*tokens[:depth])} is a value, not an object with fields"
        field = current.model_fields.get(token)
        if field is None:
            return f"{pointer(*tokens[:depth + 1])} is not a field of {current.__name__}"
        current = _model_in(field.annotation)
    return None
