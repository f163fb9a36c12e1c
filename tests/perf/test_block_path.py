"""The fast block path (rows decoded as structs of Prediction's fields, the colon-count proof that
no key is given twice) accepts exactly what the strict row-by-row path accepts, with the same
findings at the same lines and pointers, and the same scores."""

from __future__ import annotations

import hashlib
import json
import typing
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evidence.findings import Code
from evidence.models.prediction import Prediction
from evidence.validation import predictions
from evidence.validation.predictions import (
    PredictionsCheck,
    check_predictions,
    parallel,
    reader,
    shape,
)
from evidence.validation.predictions import rows as row_checks
from evidence.validation.predictions.proof import colons_prove_no_duplicate, count_byte
from runbuilder import sample_predictions

BASE = [row.model_dump(mode="json") for row in sample_predictions()]
MARK = "@@"
# Raw JSON text put where MARK is (in a string): colons in every spelling, and quotes.
SNIPPETS = ["", ":", "a: b", "::", "\\u003a", "\\u003A", '\\":', " : ", "\\\\u003a", "\\n:"]
SEPARATORS = [(",", ":"), (", ", ": "), (",", " : "), ("\t,", "\t:\t")]


def test_the_row_struct_holds_the_models_fields() -> None:
    """Field by field, in order, the same types; and each string constraint the model has is a
    rule of the fast path, with the same pattern and lengths."""
    struct = shape.RowStruct
    assert struct.__struct_fields__ == tuple(Prediction.model_fields)
    assert struct.__struct_config__.forbid_unknown_fields
    hints = typing.get_type_hints(struct)
    assert hints == {name: info.annotation for name, info in Prediction.model_fields.items()}
    constrained = {name: info.metadata[0] for name, info in Prediction.model_fields.items()
                   if info.metadata}
    rules = {rule.value.__reduce__()[1][0]: rule for rule in shape.TEXT_RULES}
    assert set(rules) == set(constrained) == {"item_id", "section", "category"}
    for name, constraints in constrained.items():
        rule = rules[name]
        assert (rule.min_length, rule.max_length) == (constraints.min_length or 0,
                                                      constraints.max_length)
        assert rule.fullmatch.__self__.pattern == constraints.pattern  # type: ignore[union-attr]


def model_accepts(text: bytes) -> Prediction | None:
    try:
        return Prediction.model_validate_json(text)
    except ValidationError:
        return None


def same_verdict(text: bytes) -> None:
    """The fast decoder never accepts what the model refuses, nor refuses what it accepts; what
    both accept, they read alike."""
    rows = shape.decode(b"[" + text + b"]")
    model = model_accepts(text)
    assert (rows is None) == (model is None), text
    if rows is not None and model is not None:
        assert len(rows) == 1 and rows[0] == shape.of_model(model)


# Values for a field: valid ones, and hostile ones of every kind (types, patterns, lengths,
# the characters the Name rule forbids, a final newline that Python's `$` would let through).
HOSTILE_TEXT = st.one_of(
    st.text(max_size=12), st.text(min_size=195, max_size=205),
    st.sampled_from(["", " x", "x ", "x\n", "x\n", "a\u2028b", "\u0085", "\ufeff", "ok",
                     "id-1\n", "-id", "a" * 129, "a" * 128, "é", "a.b_c-d"]),
    st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.none(),
                                                         max_size=1))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(BASE), st.dictionaries(st.sampled_from(list(Prediction.model_fields)),
                                              HOSTILE_TEXT, max_size=3),
       st.sets(st.sampled_from(list(Prediction.model_fields)), max_size=1),
       st.dictionaries(st.text(max_size=3), st.none(), max_size=1), st.booleans())
def test_the_fast_decoder_accepts_what_the_model_accepts(
        base: dict[str, Any], changes: dict[str, Any], dropped: set[str], extra: dict[str, Any],
        ascii_only: bool) -> None:
    row = {**{k: v for k, v in base.items() if k not in dropped}, **changes, **extra}
    same_verdict(json.dumps(row, ensure_ascii=ascii_only).encode())


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(BASE), st.integers(0, 10_000), st.binary(min_size=0, max_size=3),
       st.integers(0, 3))
def test_the_fast_decoder_agrees_on_corrupted_bytes(base: dict[str, Any], at: int,
                                                    inserted: bytes, removed: int) -> None:
    """Bytes changed anywhere in a good row: invalid UTF-8, stray control characters, broken
    escapes, quotes and brackets."""
    text = json.dumps(base).encode()
    at %= len(text) + 1
    same_verdict(text[:at] + inserted + text[at + removed:])


def duplicate(text: str, key: str, how: str) -> str:
    """`text` (one row) with `key` given twice, the first time spelled `how`."""
    spelled = {"plain": f'"{key}"', "escaped": '"' + key.replace("e", "\\u0065", 1) + '"',
               "spaced": f'"{key}" '}[how]
    value = {"plain": '"x:y"', "escaped": "{\"a:b\": 1}", "spaced": "null"}[how]
    return text.replace(f'"{key}"', f"{spelled}:{value}, \"{key}\"", 1)


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    row: dict[str, Any] = dict(draw(st.sampled_from(BASE)))
    row["item_id"] = f"id-{draw(st.integers(0, 30))}"  # now and then one twice
    field = draw(st.sampled_from(["response", "reference_answer", "section", "category"]))
    row[field] = MARK + row[field] if field != "section" else row[field] + MARK
    separators = draw(st.sampled_from(SEPARATORS))
    text = json.dumps(row, separators=separators).replace(MARK, draw(st.sampled_from(SNIPPETS)))
    if draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(list(BASE[0])))
        text = duplicate(text, key, draw(st.sampled_from(["plain", "escaped", "spaced"])))
    return text.encode() + draw(st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\n" + text.encode()
                                                 + b",{}\n"]))


def strictly(path: Path) -> PredictionsCheck:
    """Every row through the strict reader and the model, one at a time: the reference."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(row_checks, "_validated", lambda *_: None)
        patch.setattr(row_checks, "whitespace_proves_no_duplicate", lambda *_: False)
        return check_predictions(path)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=40), st.integers(64, 2048))
def test_block_and_strict_paths_agree(tmp_path_factory: pytest.TempPathFactory,
                                      rows: list[bytes], block: int) -> None:
    path = tmp_path_factory.mktemp("p") / "predictions.jsonl"
    path.write_bytes(b"".join(rows))
    reference = strictly(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "BLOCK_BYTES", block)
        fast = check_predictions(path)
    assert fast.findings == reference.findings
    assert fast.rows == reference.rows
    assert fast.scores.scorecard() == reference.scores.scorecard()


@pytest.mark.parametrize("how", ["plain", "escaped", "spaced"])
@pytest.mark.parametrize("snippet", SNIPPETS)
def test_a_duplicate_among_colons_is_named(tmp_path: Path, how: str, snippet: str) -> None:
    good = [json.dumps(row).replace('"yes"', f'"yes{MARK}"').replace(MARK, snippet)
            for row in BASE]
    good[4] = duplicate(good[4], "correct", how)
    path = tmp_path / "predictions.jsonl"
    path.write_bytes("\n".join(good).encode() + b"\n")
    findings = check_predictions(path).findings
    assert (findings[0].code, findings[0].line, findings[0].pointer) == \
        (Code.JSON_DUPLICATE_KEY, 5, "/correct")
    assert findings == strictly(path).findings


def test_the_colon_proof_counts_escaped_colons() -> None:
    """A response whose colons are all escapes, beside a key given twice: not proven."""
    row = dict(BASE[0], response="a\u003ab")
    text = json.dumps(row, ensure_ascii=False).replace("a:b", "a\\u003ab")
    # msgspec checks each value as it reads it, so the first spelling holds a valid response.
    twice = duplicate(text, "response", "plain").encode()
    [parsed] = shape.decode(b"[" + twice + b"]") or []
    assert not colons_prove_no_duplicate(twice, [parsed])
    assert colons_prove_no_duplicate(text.encode(), [parsed])


def numbered_rows(count: int) -> list[bytes]:
    return [json.dumps(dict(BASE[n % len(BASE)], item_id=f"i{n}")).encode() + b"\n"
            for n in range(count)]


# Only module settings that the calling process reads are patched: a spawned worker (when the
# trainer's runtime is loaded) reads its own.
@pytest.mark.parametrize("parallel_above", [0, 1 << 40])
@pytest.mark.parametrize("block", [64, 1000, 1 << 20])
def test_the_digest_is_of_every_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     parallel_above: int, block: int) -> None:
    """One whole-file SHA-256, whatever the blocks and however many workers checked them."""
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE_BYTES", parallel_above)
    monkeypatch.setattr(parallel, "TASK_BYTES", 2048)
    data = b"".join(numbered_rows(300))
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(data)
    result = check_predictions(path)
    assert result.digest == (hashlib.sha256(data).hexdigest(), len(data))
    assert result.findings == [] and result.rows == 300


@pytest.mark.parametrize("parallel_above", [0, 1 << 40])
@pytest.mark.parametrize("block", [1 << 16, 1 << 20])
def test_an_overlong_line_is_hashed_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        parallel_above: int, block: int) -> None:
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE_BYTES", parallel_above)
    monkeypatch.setattr(parallel, "TASK_BYTES", 2048)
    rows = numbered_rows(200)
    overlong = b'{"x": "' + b"y" * reader.MAX_ROW_BYTES + b'"}\n'
    data = b"".join(rows[:100]) + overlong + b"".join(rows[100:])
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(data)
    result = check_predictions(path)
    assert result.digest == (hashlib.sha256(data).hexdigest(), len(data))
    assert [(f.code, f.line) for f in result.findings] == [(Code.FILE_TOO_LARGE, 101)]
    assert result.rows == 201


@pytest.mark.parametrize("numpy_above", [0, 1 << 40])
def test_an_id_given_twice_across_workers_is_named(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   numpy_above: int) -> None:
    monkeypatch.setattr(predictions, "NUMPY_SORT_ABOVE", numpy_above)
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 0)
    monkeypatch.setattr(parallel, "TASK_BYTES", 2048)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1024)
    rows = numbered_rows(400)
    rows[350] = rows[350].replace(b'"i350"', b'"i7"')
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(rows))
    [finding] = check_predictions(path).findings
    assert (finding.code, finding.line, finding.pointer) == (Code.DUPLICATE_ITEM_ID, 351,
                                                             "/item_id")
    assert "line 8" in finding.message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1) | st.sampled_from([0, 1, -1, -(2**63)]),
                max_size=60))
def test_numpy_and_python_find_the_same_repeated_digests(values: list[int]) -> None:
    digests = array("q", values)
    expected = {value for value in values if values.count(value) > 1}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(predictions, "NUMPY_SORT_ABOVE", -1)
        assert predictions._repeated(digests) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(predictions, "NUMPY_SORT_ABOVE", 1 << 40)
        assert predictions._repeated(digests) == expected


@given(st.binary(max_size=300), st.binary(min_size=1, max_size=1))
def test_count_byte_counts_as_bytes_count_does(data: bytes, byte: bytes) -> None:
    assert count_byte(data, byte) == data.count(byte)


def test_count_byte_refuses_more_than_one_byte() -> None:
    with pytest.raises(ValueError, match="one byte"):
        count_byte(b"a::b", b"::")


@pytest.mark.parametrize("data", [b":" * 1000, (b":" + b"a" * 15) * 100, (b":" + b"a" * 16) * 100,
                                  b"a" * 1000, b":" * 15, b""])
def test_count_byte_counts_dense_and_sparse_bytes(data: bytes) -> None:
    assert count_byte(data, b":") == data.count(b":")
