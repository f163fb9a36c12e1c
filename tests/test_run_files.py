"""The one walk of a run directory: what validation lists against the manifest and what a
package holds come from the same walk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence import Code, validate_run
from evidence.io import run_files
from evidence.io.run_files import collect_run_files, resolves_inside


def test_a_directory_that_cannot_be_listed_is_a_finding_and_the_rest_is_still_checked(
        run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = run_dir / "hidden"
    hidden.mkdir()
    (hidden / "extra.txt").write_text("x")
    (run_dir / "stray.txt").write_text("y")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path) == hidden:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(run_files.os, "scandir", scandir)
    findings = {(f.file, f.code) for f in validate_run(run_dir).findings}
    assert ("hidden", Code.FILE_UNREADABLE) in findings
    assert ("stray.txt", Code.ARTIFACT_UNLISTED) in findings


def test_links_and_special_files_are_listed_for_validation_and_refused_by_a_package(
        run_dir: Path) -> None:
    os.symlink(run_dir / "predictions.jsonl", run_dir / "link.jsonl")
    os.mkfifo(run_dir / "pipe")
    os.symlink(run_dir / "checkpoint", run_dir / "dir-link")
    walked = collect_run_files(run_dir)
    assert walked.others == ["link.jsonl", "pipe"]
    assert {f.code for f in walked.findings} == {Code.RUN_SYMLINK, Code.RUN_SPECIAL_FILE}
    assert "dir-link" not in walked.every_entry  # never walked into, never listed
    unlisted = {f.file for f in validate_run(run_dir).findings
                if f.code is Code.ARTIFACT_UNLISTED}
    assert {"link.jsonl", "pipe"} <= unlisted


def test_a_link_out_of_the_run_does_not_resolve_inside(run_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("z")
    os.symlink(outside, run_dir / "out")
    assert not resolves_inside(run_dir, run_dir / "out")
    assert resolves_inside(run_dir, run_dir / "predictions.jsonl")
