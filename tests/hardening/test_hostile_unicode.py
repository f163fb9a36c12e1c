"""Lone surrogates in any JSON the tool reads are a finding; --json output is strict UTF-8 JSON
even for file names that are not UTF-8, and the human report prints them without crashing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_support import HOSTILE, evidence

from evidence.findings import Code
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.logs import LogError, read_log_lines, scan_evidence


@pytest.mark.parametrize(("fixture", "at"), [("lone_surrogate_in_a_value.json", "/run_id"),
                                             ("lone_surrogate_in_a_key.json", "/\\udc00")])
def test_strict_json_refuses_a_lone_surrogate(fixture: str, at: str) -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict((HOSTILE / fixture).read_bytes())
    assert (caught.value.code, caught.value.pointer) == (Code.JSON_LONE_SURROGATE, at)
    caught.value.pointer.encode("utf-8")  # printable as it is


def test_a_surrogate_pair_is_a_character() -> None:
    assert loads_strict((HOSTILE / "surrogate_pair_is_fine.json").read_bytes()) == {
        "emoji": "\N{GRINNING FACE}"}


def test_kaggle_log_with_a_lone_surrogate_is_malformed() -> None:
    with pytest.raises(LogError) as caught:
        list(read_log_lines(HOSTILE / "kaggle_log_lone_surrogate.json"))
    assert caught.value.code is Code.LOG_MALFORMED and caught.value.line == 2


def test_notebook_with_a_lone_surrogate_is_malformed() -> None:
    with pytest.raises(LogError) as caught:
        list(read_log_lines(HOSTILE / "notebook_lone_surrogate.json"))
    assert caught.value.code is Code.LOG_MALFORMED


def test_evidence_line_with_a_lone_surrogate_is_unreadable() -> None:
    with pytest.raises(LogError) as caught:
        list(scan_evidence(HOSTILE / "evidence_line_lone_surrogate.txt"))
    assert caught.value.code is Code.LOG_EVIDENCE_UNREADABLE and caught.value.line == 2


@pytest.mark.parametrize("fixture", ["evidence_line_lone_surrogate.txt",
                                     "kaggle_log_lone_surrogate.json"])
def test_recorded_log_with_a_lone_surrogate_is_a_finding(run_dir: Path, fixture: str) -> None:
    (run_dir / "kaggle_output_log.txt").write_bytes((HOSTILE / fixture).read_bytes())
    outcome = evidence("validate", "--json", str(run_dir))
    assert outcome.code == 1
    assert any(f["file"] == "kaggle_output_log.txt" for f in outcome.findings)
    human = evidence("validate", str(run_dir))
    assert human.code == 1


def test_lone_surrogate_in_a_document_is_a_finding(run_dir: Path) -> None:
    path = run_dir / "eval_summary.json"
    path.write_text(path.read_text().replace('"mode": "smoke"', '"mode": "\\ud800"', 1))
    outcome = evidence("validate", "--json", str(run_dir))
    assert [(f["file"], f["code"], f["pointer"]) for f in outcome.findings
            if f["file"] == "eval_summary.json"] == [
        ("eval_summary.json", "json_lone_surrogate", "/mode")]
    assert evidence("validate", str(run_dir)).code == 1


@pytest.mark.parametrize("env", [{}, {"LC_ALL": "C", "LANG": "C"},
                                 {"PYTHONIOENCODING": "utf-8"}])
def test_file_name_that_is_not_utf8(run_dir: Path, env: dict[str, str]) -> None:
    name = os.fsencode(run_dir) + b"/\xff\xfe-weights.bin"
    with open(name, "wb") as handle:
        handle.write(b"x")
    outcome = evidence("validate", "--json", str(run_dir), env=env)
    assert outcome.code == 1
    [finding] = outcome.findings  # strict UTF-8 JSON: .findings decodes strictly
    assert finding["code"] == "artifact_unlisted" and finding["file"].endswith("-weights.bin")
    human = evidence("validate", str(run_dir), env=env)
    assert human.code == 1 and b"-weights.bin" in human.stdout
