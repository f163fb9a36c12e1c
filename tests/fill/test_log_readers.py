"""The three log forms: told apart by content, read to the same lines and the same evidence;
broken ones give a clear error or a clean 'no evidence', never a traceback."""

from __future__ import annotations

import io
import itertools
import json
import random
import shutil
from pathlib import Path

import pytest
from fillkit import FIXTURE_LOGS
from hypothesis import given
from hypothesis import strategies as st
from logforms import kaggle_log

from evidence.findings import Code
from evidence.logs import LogError, LogForm, detect_form, read_log_lines, scan_evidence
from evidence.logs.kaggle import read_kaggle
from evidence.logs.lines import LineAssembler

EXPECTED = [("run_manifest", "/run_id", "run-fixture-1"),
            ("run_manifest", "/kaggle/kaggle_notebook_version", 3)]


def stated(path: Path) -> list[tuple[str, str, object]]:
    return [(s.evidence.doc, s.evidence.pointer, s.evidence.value) for s in scan_evidence(path)]


@pytest.mark.parametrize(("name", "form"), [
    ("kaggle_split_lines.json", LogForm.KAGGLE_JSON),
    ("plain_ansi_progress.txt", LogForm.PLAIN_TEXT),
    ("notebook_executed.ipynb", LogForm.NOTEBOOK),
])
def test_each_form_gives_the_same_evidence(name: str, form: LogForm, tmp_path: Path) -> None:
    # Renamed to say nothing of its form: detection reads content, not the file name.
    log = tmp_path / "console.log"
    shutil.copyfile(FIXTURE_LOGS / name, log)
    with log.open("rb") as handle:
        assert detect_form(handle) is form
    assert stated(log) == EXPECTED


def test_kaggle_lines_are_rebuilt_per_stream() -> None:
    lines = list(read_kaggle((FIXTURE_LOGS / "kaggle_split_lines.json").open("rb")))
    stderr = [line.text for line in lines if line.stream == "stderr"]
    assert stderr == ["WARNING: jax: no GPU found", " 50%|#####     | 1/2",
                      "100%|##########| 2/2"]
    assert [line.line for line in lines if "@evidence/" in line.text] == [6, 6]


def test_plain_text_drops_colours_and_splits_progress_bars() -> None:
    texts = [line.text for line in read_log_lines(FIXTURE_LOGS / "plain_ansi_progress.txt")]
    assert texts[0] == "WARNING: jax: no GPU found"
    assert " 50%|#####     | 1/2" in texts and "100%|##########| 2/2" in texts
    assert not any("\x1b" in text or "\r" in text for text in texts)


# Broken notebooks are stored as .json: ruff lints every .ipynb it finds. Detection reads the
# content, so the name does not matter.
@pytest.mark.parametrize(("name", "code", "says"), [
    ("kaggle_truncated_array.json", Code.LOG_MALFORMED, "truncated"),
    ("kaggle_truncated_mid_entry.json", Code.LOG_MALFORMED, "line 6: not a log entry"),
    ("kaggle_entry_data_not_string.json", Code.LOG_MALFORMED, "line 2: data is missing or not"),
    ("kaggle_entry_unknown_stream.json", Code.LOG_MALFORMED, "stream_name is 'stdin'"),
    ("kaggle_entry_not_object.json", Code.LOG_MALFORMED, "line 2: not a log entry"),
    ("kaggle_entry_unknown_key.json", Code.LOG_MALFORMED, "unexpected key 'level'"),
    ("kaggle_entry_missing_comma.json", Code.LOG_MALFORMED, "line 2: expected ','"),
    ("kaggle_entry_duplicate_key.json", Code.LOG_MALFORMED, "key appears twice"),
    ("kaggle_text_after_array.json", Code.LOG_MALFORMED, "after the end of the JSON array"),
    ("notebook_nbformat_3.json", Code.LOG_MALFORMED, "only nbformat 4"),
    ("notebook_stream_text_not_string.ipynb", Code.LOG_MALFORMED, "cell 2, output 2: text"),
    ("notebook_truncated.json", Code.LOG_MALFORMED, "not a readable notebook"),
    ("plain_protocol_version_2.txt", Code.LOG_EVIDENCE_UNREADABLE, "version '2'"),
    ("plain_malformed_evidence_payload.txt", Code.LOG_EVIDENCE_UNREADABLE, "line 2: malformed"),
])
def test_broken_logs_raise_a_clear_error(name: str, code: Code, says: str) -> None:
    with pytest.raises(LogError) as raised:
        stated(FIXTURE_LOGS / name)
    assert raised.value.code is code
    assert says in raised.value.message


@pytest.mark.parametrize("name", ["plain_no_evidence.txt", "binary_garbage.bin",
                                  "kaggle_empty_array.json"])
def test_logs_without_evidence_state_nothing(name: str) -> None:
    assert stated(FIXTURE_LOGS / name) == []


def _reassembled(pieces: list[str], wanted: str | None = None) -> list[tuple[str, int]]:
    """(text, line number) of each line rebuilt from the pieces."""
    assembler = LineAssembler(wanted)
    lines = [(piece.text, piece.line) for text in pieces for piece in assembler.feed(text)]
    return lines + [(piece.text, piece.line) for piece in assembler.close()]


def _cut(text: str, cuts: list[int]) -> list[str]:
    bounds = sorted({0, len(text), *(cut for cut in cuts if cut < len(text))})
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


# Text with every kind of break and escape a console stream holds, cut anywhere.
_stream_text = st.text(alphabet=st.sampled_from(list("ab {}\"@/1\n\r\x1b[0;31m█")), max_size=300)


@given(text=_stream_text, cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=20))
def test_any_cutting_of_a_stream_gives_the_same_lines(text: str, cuts: list[int]) -> None:
    assert _reassembled(_cut(text, cuts)) == _reassembled([text])


@given(text=_stream_text, cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=20))
def test_keeping_only_wanted_lines_skips_nothing_wanted(text: str, cuts: list[int]) -> None:
    wanted = [line for line in _reassembled([text]) if "@/1" in line[0]]
    assert _reassembled(_cut(text, cuts), "@/1") == wanted


@given(lines=st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40),
                      min_size=1, max_size=12),
       seed=st.integers(min_value=0, max_value=2**32))
def test_any_split_into_kaggle_entries_parses_to_the_same_lines(lines: list[str],
                                                                seed: int) -> None:
    rng = random.Random(seed)
    stdout = "\n".join(lines) + "\n"
    cuts = sorted(rng.sample(range(1, len(stdout)), k=rng.randint(0, len(stdout) - 1)))
    entries: list[dict[str, object]] = []
    for a, b in zip([0, *cuts], [*cuts, len(stdout)], strict=True):
        if rng.random() < 0.3:
            entries.append({"stream_name": "stderr", "time": 1.0, "data": "warn\r50%\n"})
        entries.append({"stream_name": "stdout", "time": 1.0, "data": stdout[a:b]})
    read = read_kaggle(io.BytesIO(kaggle_log(entries)))
    expected = [text for text, _ in _reassembled([stdout])]
    assert [line.text for line in read if line.stream == "stdout"] == expected


def test_a_line_too_long_to_be_evidence_is_dropped_as_it_grows() -> None:
    assembler = LineAssembler()
    assert not [p for _ in range(3) for p in assembler.feed("x" * 600_000)]
    assert [p.text for p in assembler.feed("\nnext\n")] == ["next"]


def test_a_notebook_over_the_limit_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evidence.logs.notebook.MAX_NOTEBOOK_BYTES", 100)
    log = tmp_path / "run.ipynb"
    log.write_text(json.dumps({"cells": [], "nbformat": 4, "padding": "x" * 200}))
    with pytest.raises(LogError, match="give Kaggle's log"):
        stated(log)
