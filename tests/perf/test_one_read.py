"""validate reads each byte of a run once: predictions.jsonl and the recorded log are hashed as
they are parsed, and the artifact check compares those digests instead of reading the files
again. So a file that changes between the parse and the digest cannot pass, and a digest or
size mismatch is still reported exactly as before."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidence.findings import Code, Finding
from evidence.io.digest import FileDigest, HashingReader
from evidence.models.prediction import Prediction
from evidence.scoring.grader import grade
from evidence.validation import run as run_module
from evidence.validation.checks import artifacts
from evidence.validation.checks.log import read_recorded_log
from evidence.validation.run import validate_run
from runbuilder import build_run

PROC_IO = Path("/proc/self/io")
MANIFEST = "run_manifest.json"


def long_rows(count: int) -> list[Prediction]:
    rows = []
    for index in range(count):
        response = f"<reasoning>{'step ' * 180}</reasoning><answer>{index % 7}</answer>"
        graded = grade(response, "3")
        rows.append(Prediction(item_id=f"item-{index}", section="arithmetic", category="sums",
                               difficulty="easy", response=response, reference_answer="3",
                               extracted_answer=graded.extracted_answer,
                               correct=graded.correct, format_ok=graded.format_ok))
    return rows


@pytest.fixture
def big_run(tmp_path: Path) -> Path:
    """A valid run whose predictions.jsonl (about 3 MB) outweighs every other file."""
    return build_run(tmp_path / "run", long_rows(3000))


def bytes_read() -> int:
    """Bytes this process has read through read() and its kin, from anything."""
    fields = dict(line.split(": ") for line in PROC_IO.read_text().splitlines())
    return int(fields["rchar"])


def run_bytes(run_dir: Path) -> int:
    return sum(path.stat().st_size for path in run_dir.rglob("*") if path.is_file())


@pytest.mark.skipif(not PROC_IO.exists(), reason="needs Linux's /proc/self/io")
def test_validate_reads_the_run_once(big_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = artifacts.sha256_file
    monkeypatch.setattr(artifacts, "sha256_file", lambda path, progress=None: (
        hashed.append(path.name), real(path, progress))[1])
    assert validate_run(big_run).findings == []  # the modules it needs are loaded now
    hashed.clear()
    before = bytes_read()
    assert validate_run(big_run).findings == []
    read = bytes_read() - before
    predictions = (big_run / "predictions.jsonl").stat().st_size
    # Every file once, and nothing read twice: before, predictions.jsonl alone was read twice.
    assert predictions <= read <= run_bytes(big_run) + 64 * 1024, (read, run_bytes(big_run))
    assert "predictions.jsonl" not in hashed and "kaggle_output_log.txt" not in hashed
    # eval_summary.json (a few KB) is still read by the document loader, then hashed.
    assert hashed == ["eval_summary.json", "flax_model.msgpack"]


def edit_manifest(run_dir: Path, index: int, **changes: Any) -> None:
    path = run_dir / MANIFEST
    manifest = json.loads(path.read_bytes())
    manifest["artifacts"][index].update(changes)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(("index", "name"), [(0, "predictions.jsonl"),
                                             (2, "kaggle_output_log.txt")])
def test_a_digest_mismatch_is_reported_as_before(big_run: Path, index: int, name: str) -> None:
    actual = hashlib.sha256((big_run / name).read_bytes()).hexdigest()
    edit_manifest(big_run, index, sha256="0" * 64)
    assert validate_run(big_run).findings == [Finding(
        MANIFEST, Code.ARTIFACT_DIGEST_MISMATCH,
        f"{name} changed after the run: its SHA-256 is {actual}", f"/artifacts/{index}/sha256")]


@pytest.mark.parametrize(("index", "name"), [(0, "predictions.jsonl"),
                                             (2, "kaggle_output_log.txt")])
def test_a_size_mismatch_is_reported_as_before(big_run: Path, index: int, name: str) -> None:
    size = (big_run / name).stat().st_size
    edit_manifest(big_run, index, size_bytes=size + 1)
    assert validate_run(big_run).findings == [Finding(
        MANIFEST, Code.ARTIFACT_SIZE_MISMATCH,
        f"{name} is {size} bytes, the manifest says {size + 1}", f"/artifacts/{index}/size_bytes")]


def swapping_back(path: Path, original: bytes, step: Callable[..., Any]) -> Callable[..., Any]:
    """`step`, after which the file is put back as it was: what was parsed is then not what a
    second read would hash."""
    def swapped(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        path.write_bytes(original)
        return result
    return swapped


def test_predictions_changed_after_the_parse_cannot_pass(big_run: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_run / "predictions.jsonl"
    original = path.read_bytes()
    # The same rows, two of them swapped: valid, the same size and scores, other bytes.
    first, second, *rest = original.splitlines(keepends=True)
    path.write_bytes(b"".join([second, first, *rest]))
    monkeypatch.setattr(run_module, "check_predictions",
                        swapping_back(path, original, run_module.check_predictions))
    codes = [(f.file, f.code, f.pointer) for f in validate_run(big_run).findings]
    assert codes == [(MANIFEST, Code.ARTIFACT_DIGEST_MISMATCH, "/artifacts/0/sha256")]


def test_a_log_changed_after_it_was_read_cannot_pass(big_run: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_run / "kaggle_output_log.txt"
    original = path.read_bytes()
    path.write_bytes(original + b"\n")
    monkeypatch.setattr(run_module, "read_recorded_log",
                        swapping_back(path, original, run_module.read_recorded_log))
    codes = [(f.file, f.code, f.pointer) for f in validate_run(big_run).findings]
    assert codes == [(MANIFEST, Code.ARTIFACT_SIZE_MISMATCH, "/artifacts/2/size_bytes")]


@pytest.mark.parametrize("text", [
    b"plain text\n@evidence/1 nothing\n",
    b'[{"stream_name":"stdout","time":1,"data":"hello\\n"}\n]\n',
    b'[{"stream_name":"stdout","time":1,"data":"cut short',
    b'{"nbformat": 4, "cells": []}',
    b"<FILL: kaggle_output_log> and more",
], ids=["plain", "kaggle", "broken kaggle", "notebook", "placeholder"])
def test_the_log_digest_is_of_the_whole_file(tmp_path: Path, text: bytes) -> None:
    (tmp_path / "kaggle_output_log.txt").write_bytes(text)
    recorded = read_recorded_log(tmp_path)
    assert recorded.digest == FileDigest(hashlib.sha256(text).hexdigest(), len(text))


def test_the_hashing_reader_hashes_each_byte_once() -> None:
    data = bytes(range(256)) * 40
    handle = HashingReader(io.BytesIO(data))
    assert handle.read(100) == data[:100]
    handle.seek(0)  # read again from the start, as the log's form detection does
    assert handle.read(4000) == data[:4000]
    assert handle.tell() == 4000
    assert handle.finish() == FileDigest(hashlib.sha256(data).hexdigest(), len(data))


def test_a_skipped_stretch_gives_no_digest() -> None:
    handle = HashingReader(io.BytesIO(b"x" * 1000))
    handle.seek(500)
    handle.read(10)
    assert handle.finish() is None
