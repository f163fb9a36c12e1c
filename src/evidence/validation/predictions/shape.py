"""A block of rows decoded by msgspec into structs of Prediction's own fields: the types checked
by the decoder as it parses, the string constraints (patterns, lengths) once per distinct value
of the block. That is a third of what pydantic's parser into dicts costs for the same rows.

The struct is built from the model, never written out, so the two cannot drift apart; and it is
refused (ShapeError at import) the day the model gains anything this would skip: a validator, a
default, an alias, a computed field, a looser config, a type or a constraint other than those
handled here. A row the fast decoder refuses is not refused by it: it goes the careful way, where
the model itself names what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, TypeAlias, get_args, get_origin

import msgspec
from pydantic import StringConstraints
from pydantic.fields import FieldInfo

from evidence.models.prediction import Prediction


class ShapeError(Exception):
    """Prediction holds something its fields as a struct would not check."""


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
        if not _plain_type(info.annotation):
            return f"field {name} is of type {info.annotation}, which is not handled here"
    return None


def _plain_type(annotation: Any) -> bool:
    """str, bool, a Literal of strings, or str | None: the types whose strict JSON meaning
    msgspec and pydantic agree on (tests/perf/test_block_path.py checks it)."""
    if annotation in (str, bool) or annotation == str | None:
        return True
    return get_origin(annotation) is Literal and all(type(v) is str for v in get_args(annotation))


@dataclass(frozen=True)
class TextRule:
    """A field's string constraints, checked as pydantic checks them: lengths in code points,
    the pattern matched against the whole string (fullmatch: `$` in Python's re would also match
    before a final newline, where pydantic's Rust regex matches only at the end)."""

    value: Callable[[Any], Any]
    fullmatch: Callable[[str], object] | None
    min_length: int
    max_length: int | None
    # For a field that is never null and whose pattern cannot match a newline (one_line_pieces):
    # the whole block's values, joined by newlines, are matched at once.
    joined_fullmatch: Callable[[str], object] | None = None

    def holds(self, rows: Sequence[Any]) -> bool:
        if self.joined_fullmatch is not None:
            return self._holds_joined(list(map(self.value, rows)), self.joined_fullmatch)
        values = set(map(self.value, rows))
        values.discard(None)
        if not values:
            return True
        return self._lengths_hold(values) and (self.fullmatch is None
                                               or all(map(self.fullmatch, values)))

    def _lengths_hold(self, values: Collection[str]) -> bool:
        if not self.min_length and self.max_length is None:
            return True
        lengths = list(map(len, values))
        return min(lengths) >= self.min_length and (self.max_length is None
                                                    or max(lengths) <= self.max_length)

    def _holds_joined(self, values: list[str], fullmatch: Callable[[str], object]) -> bool:
        """One match for every value (ids are unique, so a set would not shrink them): the
        pattern cannot match a newline, so when no value holds one, the pieces between the
        newlines that the match finds are exactly the values. 0.08 against 0.3 µs a row."""
        if not values:
            return True
        joined = "\n".join(values)
        return (joined.count("\n") == len(values) - 1 and self._lengths_hold(values)
                and fullmatch(joined) is not None)


# A pattern anchored at both ends with nothing between but character classes and plain
# characters, each quantified at most once, all printable ASCII without a backslash: every
# character it can match is printable ASCII, so never a newline. Anything else (an escape, a
# group, an alternation, a dot) is not recognised, and its field is checked value by value.
_ONE_LINE_PATTERN = re.compile(r"\^((?:(?:\[[^\]\\^\[][^\]\\\[]*\]|[A-Za-z0-9_,:;/@=!#%&'\"<>~ -])"
                               r"(?:\{[0-9]+(?:,[0-9]*)?\}|[?*+])?)+)\$")


def one_line_pieces(pattern: str) -> Callable[[str], object] | None:
    """The fullmatch of values matching `pattern` joined by newlines, when the pattern is of
    the form that cannot match a newline (_ONE_LINE_PATTERN); None otherwise. Each piece is
    matched up to its newline and then never revisited (an atomic group), so the match costs
    what matching the values one by one would, never more."""
    anchored = _ONE_LINE_PATTERN.fullmatch(pattern)
    if anchored is None or not (pattern.isascii() and pattern.isprintable()):
        return None
    piece = rf"(?>(?:{anchored[1]})(?=\n|\Z))"
    return re.compile(rf"{piece}(?:\n{piece})*").fullmatch


_HANDLED = {"pattern", "min_length", "max_length"}


def _text_rule(name: str, info: FieldInfo) -> TextRule | None:
    if not info.metadata:
        return None
    [constraints] = info.metadata
    if not isinstance(constraints, StringConstraints) or any(
            getattr(constraints, other) is not None
            for other in set(StringConstraints.__dataclass_fields__) - _HANDLED):
        raise ShapeError(f"Prediction's field {name} has constraints not handled here: "
                         f"{info.metadata}")
    pattern = constraints.pattern if isinstance(constraints.pattern, str) else None
    if pattern is None:
        return TextRule(attrgetter(name), None, constraints.min_length or 0,
                        constraints.max_length)
    joined = one_line_pieces(pattern) if info.annotation is str else None
    return TextRule(attrgetter(name), re.compile(pattern).fullmatch,
                    constraints.min_length or 0, constraints.max_length, joined)


def _row_struct() -> type[msgspec.Struct]:
    problem = _refusal()
    if problem is not None:
        raise ShapeError(f"Prediction cannot be checked as a struct of its fields: {problem}")
    fields = [(name, info.annotation) for name, info in Prediction.model_fields.items()]
    # gc=False: rows hold only strings, bools and None, so the collector need not track them.
    return msgspec.defstruct("PredictionRow", fields, forbid_unknown_fields=True, gc=False)


Row: TypeAlias = Any  # a PredictionRow struct
RowStruct = _row_struct()
TEXT_RULES = tuple(rule for name, info in Prediction.model_fields.items()
                   if (rule := _text_rule(name, info)) is not None)
ROW_KEYS = len(Prediction.model_fields)
_DECODER = msgspec.json.Decoder(list[RowStruct])  # type: ignore[valid-type]


def decode(array: bytes | bytearray) -> list[Row] | None:
    """The rows of `array` (a JSON array of objects) when every one holds exactly Prediction's
    fields, of its types, within its constraints; None when any does not."""
    try:
        rows: list[Row] = _DECODER.decode(array)
    except msgspec.DecodeError:  # ValidationError too: it is a DecodeError
        return None
    return rows if all(rule.holds(rows) for rule in TEXT_RULES) else None


def of_model(row: Prediction) -> Row:
    """A row the model validated, as the struct the fast path gives (no check: it passed)."""
    return RowStruct(**dict(row))


# Columns of a block, read in C (operator.attrgetter) rather than a Python loop.
item_id = attrgetter("item_id")
response = attrgetter("response")
reference = attrgetter("reference_answer")
# What a row claims, in the order of the grader's columns (scoring.grader.grade_columns).
CLAIMED_GRADE = tuple(map(attrgetter, ("extracted_answer", "format_ok", "correct")))
labels = attrgetter("section", "category", "difficulty", "correct", "format_ok")
# The fields whose text may hold a colon; the duplicate-key proof counts them (see proof.py).
TEXT_FIELDS = tuple(attrgetter(name) for name in
                    ("response", "reference_answer", "extracted_answer", "section", "category"))

