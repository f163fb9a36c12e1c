"""Which fields a log can fill: what the models of the stated documents declare."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from evidence.io.pointer import pointer
from evidence.models.types import Placeholder


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
