"""A block of rows validated as plain dicts: Prediction's own fields, types and constraints, less
the model instance per row (which costs more than validating the row's nine fields).

The dict type is built from the model, never written out, so the two cannot drift apart; and
it is refused (ShapeError at import) the day the model gains anything a dict of its fields
would skip: a validator, a default, an alias, a computed field, or a looser config.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Annotated, Any

from pydantic import ConfigDict, TypeAdapter
from typing_extensions import TypedDict  # pydantic reads only this one before Python 3.12

from evidence.models.prediction import Prediction


class ShapeError(Exception):
    """Prediction holds something its fields as a dict would not check."""


def _refusal() -> str | None:
    decorators = Prediction.__pydantic_decorators__
    if any((decorators.validators, decorators.field_validators, decorators.root_validators,
            decorators.model_validators, decorators.computed_fields)):
        return "it has validators or computed fields"
    config = Prediction.model_config
    if not config.get("strict") or config.get("extra") != "forbid":
        return "it is not strict with extra keys forbidden"
    for name, info in Prediction.model_fields.items():
        if not info.is_required() or info.alias not in (None, name) or info.validation_alias:
            return f"field {name} has a default or an alias"
    return None


def _rows_type() -> Any:
    problem = _refusal()
    if problem is not None:
        raise ShapeError(f"Prediction cannot be validated as a dict of its fields: {problem}")
    fields = {name: Annotated[(info.annotation, *info.metadata)] if info.metadata
              else info.annotation for name, info in Prediction.model_fields.items()}
    make: Any = TypedDict  # a TypedDict of fields known only when this runs
    row: Any = make("PredictionRow", fields)
    row.__pydantic_config__ = ConfigDict(strict=True, extra="forbid")
    return list[row]


Row = dict[str, Any]
ROWS: TypeAdapter[list[Row]] = TypeAdapter(_rows_type())
ROW_KEYS = len(Prediction.model_fields)

# Columns of a block, read in C (operator.itemgetter) rather than a Python loop.
item_id = itemgetter("item_id")
response = itemgetter("response")
reference = itemgetter("reference_answer")
# What a row claims, in the order of the grader's columns (scoring.grader.grade_columns).
CLAIMED_GRADE = tuple(map(itemgetter, ("extracted_answer", "format_ok", "correct")))
labels = itemgetter("section", "category", "difficulty", "correct", "format_ok")
# The fields whose text may hold a colon; the duplicate-key proof counts them (see proof.py).
TEXT_FIELDS = tuple(itemgetter(name) for name in
                    ("response", "reference_answer", "extracted_answer", "section", "category"))
