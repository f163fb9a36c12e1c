"""The fast block path (rows validated as dicts of Prediction's fields, the colon-count proof that
no key is given twice) accepts exactly what the strict row-by-row path accepts, with the same
findings at the same lines and pointers, and the same scores."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.findings import Code
from evidence.models.prediction import Prediction
from evidence.validation.predictions import PredictionsCheck, check_predictions, parallel, reader
from evidence.validation.predictions import rows as row_checks
from evidence.validation.predictions.proof import colons_prove_no_duplicate
from evidence.validation.predictions.shape import ROWS
from runbuilder import sample_predictions

BASE = [row.model_dump(mode="json") for row in sample_predictions()]
MARK = "@@"
# Raw JSON text put where MARK is (in a string): colons in every spelling, and quotes.
SNIPPETS = ["", ":", "a: b", "::", "\\u003a", "\\u003A", '\\":', " : ", "\\\\u003a", "\\n:"]
SEPARATORS = [(",", ":"), (", ", ": "), (",", " : "), ("\t,", "\t:\t")]


def test_the_row_dict_is_validated_as_the_model_is() -> None:
    """Field by field, the same core schema: the same types, constraints and patterns."""
    Prediction.model_rebuild()
    model = Prediction.__pydantic_core_schema__
    assert model["type"] == "model" and model["schema"]["type"] == "model-fields"
    ours = ROWS.core_schema["items_schema"]  # type: ignore[typeddict-item]
    assert ours["type"] == "typed-dict" and ours["extra_behavior"] == "forbid"
    assert ours["config"]["strict"] is True
    theirs = model["schema"]["fields"]
    assert {name: field["schema"] for name, field in ours["fields"].items()} == \
        {name: field["schema"] for name, field in theirs.items()}
    assert all(field["required"] for field in ours["fields"].values())


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
    twice = duplicate(text, "format_ok", "plain").encode()
    [parsed] = ROWS.validate_json(b"[" + twice + b"]")
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


def test_an_id_given_twice_across_workers_is_named(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
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
