"""Issue 12: `evidence show` prints a run's headline facts and scorecard tables in the terminal,
the numbers spelled as the report spells them; findings after them; the usual exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportkit import break_a_row, summary_of

from evidence.cli import main
from evidence.packaging.package import package_run
from evidence.report.numbers import percent
from repo_paths import REPO

SCRIPT = Path(sys.executable).parent / "evidence"


def show(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed script, as a user runs it (colour settings only as given)."""
    base = {name: value for name, value in os.environ.items()
            if name not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    done = subprocess.run([str(SCRIPT), "show", *map(str, args)], capture_output=True,
                          text=True, check=False, timeout=60,
                          env={**base, "COLUMNS": "100", **env})
    assert "Traceback" not in done.stderr
    return done


def test_show_prints_the_facts_and_every_scorecard_row(run_dir: Path) -> None:
    done = show(run_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "run-20261125-smoke  ✓ valid"
    card = summary_of(run_dir).scorecard
    overall = card.overall
    assert f"  accuracy  {percent(overall.accuracy)} ({overall.n_correct} of " \
           f"{overall.n_items})" in lines
    assert "  model     local/tiny-gpt2 (gpt2, float32, 12,345 parameters)" in lines
    for name in ("per_section", "per_category", "per_difficulty"):
        for key, score in getattr(card, name).items():
            row = next(line for line in lines if line.split()[:1] == [key])
            assert row.split()[1:] == [str(score.n_items), str(score.n_correct),
                                       *percent(score.accuracy).split(),
                                       str(score.n_format_ok), *percent(score.format_rate).split()]
    assert all(line == line.rstrip() for line in lines)
    assert "\x1b" not in show(run_dir, NO_COLOR="1", FORCE_COLOR="1").stdout


def test_show_lists_the_findings_of_an_invalid_run_after_its_tables(run_dir: Path) -> None:
    break_a_row(run_dir)
    done = show(run_dir)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("run-20261125-smoke  ✗ ")
    tables, findings = done.stdout.split(f"✗ {run_dir}:", 1)
    assert "Per difficulty" in tables and "prediction_grade_mismatch" in findings


def test_show_of_a_template_says_what_is_unfilled() -> None:
    done = show(REPO / "submission_runs" / "m36_v1")
    assert done.returncode == 1
    assert "  data set  not filled yet" in done.stdout.splitlines()  # the whole object
    assert "scorecard: not filled yet (a template)" in done.stdout
    assert "template_unfilled" in done.stdout


def test_show_json_carries_the_summarys_scorecard(run_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--json", str(run_dir)]) == 0
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["command"] == "show" and envelope["ok"] is True
    assert envelope["result"]["scorecard"] == summary_of(run_dir).scorecard.model_dump(
        mode="json")
    assert envelope["result"]["run_id"] == "run-20261125-smoke"


def test_show_of_an_archive_is_the_show_of_its_run(run_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "run.zip"
    package_run(run_dir, archive)
    assert show(archive).stdout == show(run_dir).stdout


def test_show_of_no_run_is_a_usage_error(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(tmp_path / "nope")]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err == f"evidence: {tmp_path / 'nope'}: no such run " \
                                          "directory or archive\n"
