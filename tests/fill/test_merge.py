"""Merging statements into a raw template: placeholders take values, equal values stay, real
values that differ are conflicts, and two statements that disagree are the log's fault."""

from __future__ import annotations

from typing import Any

from evidence.filling.fields import null_means_unstated, unknown_field
from evidence.filling.merge import MISSING, DocumentMerge
from evidence.filling.statements import Statement, same_json
from evidence.findings import Code
from evidence.models.eval_summary import Score
from evidence.models.manifest import RunManifest
from evidence.models.types import Fillable, StrictModel

URL = "https://www.kaggle.com/code/alice/gemma-reasoning"


class Document(StrictModel):
    note: Fillable[str] | None = None
    record: Score | None = None
    kaggle: dict[str, Any] | None = None


def merged(raw: dict[str, Any], *statements: Statement) -> DocumentMerge:
    merge = DocumentMerge("doc.json", Document, raw)
    for statement in statements:
        merge.apply(statement)
    return merge


def stated(at: str, value: Any, source: str = "line 1") -> Statement:
    return Statement("run_manifest", at, value, source)


def test_placeholders_and_missing_keys_take_the_value() -> None:
    merge = merged({"note": "<FILL: note>"}, stated("/note", "hi"), stated("/record", None))
    assert merge.raw == {"note": "hi", "record": None}
    assert [(c.pointer, c.old) for c in merge.changes] == [("/note", "<FILL: note>"),
                                                          ("/record", MISSING)]


def test_a_stated_placeholder_says_nothing() -> None:
    merge = merged({"note": "kept"}, stated("/note", "<FILL: note>"))
    assert merge.raw == {"note": "kept"} and not merge.changes and not merge.conflicts


def test_objects_with_the_same_keys_merge_key_by_key() -> None:
    raw = {"kaggle": {"url": "<FILL: url>", "version": 3}}
    merge = merged(raw, stated("/kaggle", {"url": URL, "version": 4}))
    assert [c.pointer for c in merge.changes] == ["/kaggle/url"]
    assert [(c.pointer, c.current, c.incoming) for c in merge.conflicts] == [
        ("/kaggle/version", 3, 4)]


def test_null_fills_only_where_the_field_cannot_hold_a_placeholder() -> None:
    assert null_means_unstated(Document, ["record"])
    assert not null_means_unstated(Document, ["note"])
    score = {"n_items": 1, "n_correct": 1, "n_format_ok": 1, "accuracy": 1.0,
             "format_rate": 1.0}
    merge = merged({"note": None, "record": None}, stated("/record", score),
                   stated("/note", "hi"))
    assert [c.pointer for c in merge.changes] == ["/record"]
    assert [c.pointer for c in merge.conflicts] == ["/note"]
    assert not merged({"record": None}, stated("/record", None)).changes


def test_statements_that_overlap_and_disagree_are_a_contradiction() -> None:
    merge = merged({"kaggle": {"url": "<FILL: url>"}}, stated("/kaggle", {"url": URL}),
                   stated("/kaggle/url", URL + "-2", "--kaggle-url"))
    [problem] = merge.problems
    assert problem.code is Code.LOG_CONTRADICTION and "--kaggle-url" in problem.message
    assert not merge.conflicts


def test_json_equality_is_strict_about_types_not_key_order() -> None:
    assert same_json({"a": 1, "b": [True]}, {"b": [True], "a": 1})
    assert not same_json(1, 1.0) and not same_json(1, True)


def test_pointers_must_name_fields_of_the_model() -> None:
    assert unknown_field(RunManifest, ["kaggle", "kaggle_run_id"]) is None
    assert unknown_field(RunManifest, ["model", "id"]) is None
    assert "is not a field of KaggleFields" in str(unknown_field(RunManifest, ["kaggle", "x"]))
    assert "is a value" in str(unknown_field(RunManifest, ["packages", "jax"]))
