"""Interrupting a fill: each file is whole, old or new, and the run never claims more than it
holds; filling again finishes the job."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fillkit import snapshot
from logforms import stdout_of

from evidence.cli import main
from evidence.findings import Code
from evidence.validation.run import validate_run
from runbuilder import protocol_lines

pytest_plugins = ("fill_fixtures",)

WRITE_ORDER = ["kaggle_output_log.txt", "eval_summary.json", "run_manifest.json"]


@pytest.mark.parametrize("failing", range(len(WRITE_ORDER)))
def test_a_failure_between_writing_and_renaming(failing: int, template: Path, outputs: Path,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "console.txt"
    log.write_text(stdout_of(protocol_lines(outputs)))
    original = snapshot(template)
    renames = 0
    real_replace = os.replace

    def replace_until_the_failure(source: str, target: str) -> None:
        nonlocal renames
        if renames == failing:
            raise OSError(5, "injected failure before the rename", target)
        renames += 1
        real_replace(source, target)

    monkeypatch.setattr("evidence.io.atomic.os.replace", replace_until_the_failure)
    assert main(["fill", "--from-log", str(log), str(template)]) == 2
    after = snapshot(template)
    # No temporary file is left, the failed file and all after it are byte-identical.
    assert set(after) == set(original)
    for name in WRITE_ORDER[failing:]:
        assert after[name] == original[name]
    # What was renamed claims nothing yet: the manifest, written last, is still the template.
    codes = {finding.code for finding in validate_run(template).findings}
    assert Code.TEMPLATE_UNFILLED in codes

    monkeypatch.setattr("evidence.io.atomic.os.replace", real_replace)
    assert main(["fill", "--from-log", str(log), str(template)]) == 0
    assert validate_run(template).findings == []
