"""The example runs in tests/fixtures/runs drive validation: every run under valid/ validates, and
every run under invalid/ gives exactly the findings its `<case>.expected.json` lists, as
(file, code, pointer). Adding a case is adding a folder (through make_runs.py, which makes them
all and is checked here to make exactly what is committed)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from evidence import Code, load_profile, validate_run
from repo_paths import FIXTURES

RUNS = FIXTURES / "runs"
OPTIONS = {"allow_template", "profile"}
# What a run directory cannot show in a tiny committed fixture: a document over 16 MiB or a
# prediction row over 4 MiB (tested at the reader: test_strict_json.py, test_predictions.py).
# Nor a comparison with Kaggle's copy of the log, a file outside the run (`--kaggle-log`,
# tested through the CLI in tests/truth/).
NOT_SHOWN_BY_A_FOLDER = {Code.FILE_TOO_LARGE, Code.KAGGLE_COPY_MISMATCH,
                         # validate gives it for a kernel-metadata.json, which is no run folder
                         Code.KERNEL_CODE_FILE_MISSING}
# Codes no run directory can give to `evidence validate`: fill, package, verify and the preflight.
NOT_FROM_VALIDATE = {
    Code.LOG_MALFORMED, Code.LOG_EVIDENCE_UNREADABLE, Code.LOG_NO_EVIDENCE,
    Code.LOG_UNKNOWN_FIELD, Code.LOG_CONTRADICTION, Code.FILL_CONFLICT,
    Code.RUN_SYMLINK, Code.RUN_SPECIAL_FILE, Code.PACKAGE_FILE_CHANGED,
    Code.ARCHIVE_UNREADABLE, Code.ARCHIVE_UNSAFE_NAME, Code.ARCHIVE_DUPLICATE_ENTRY,
    Code.ARCHIVE_NOT_FILE, Code.ARCHIVE_TOO_LARGE, Code.LOCK_ENTRY_MISSING,
    Code.PACKAGE_NAME_COLLISION, Code.ARCHIVE_STRAY_BYTES, Code.ARCHIVE_COMMENT,
    Code.ARCHIVE_EXTRA_FIELD, Code.ARCHIVE_OVERLAPPING_ENTRIES, Code.ARCHIVE_HEADER_MISMATCH,
    Code.ARCHIVE_DATA_OVERRUN,
    Code.LOCK_ENTRY_EXTRA, Code.LOCK_DIGEST_MISMATCH, Code.LOCK_SIZE_MISMATCH, Code.LOCK_MISMATCH,
    Code.PREFLIGHT_DOES_NOT_FIT, Code.PREFLIGHT_PARAMS_DTYPE, Code.PREFLIGHT_NO_DONATION,
    Code.PREFLIGHT_BATCH_NOT_DIVISIBLE, Code.PREFLIGHT_POSITIONS_TOO_FEW,
    # compare, and validate --comparison: about two runs, shown in tests/compare.
    Code.COMPARISON_DATASET_DIFFERS, Code.COMPARISON_ITEMS_DIFFER, Code.COMPARISON_ITEM_DIFFERS,
    Code.COMPARISON_REGRESSION, Code.COMPARISON_MISMATCH,
}
# A case that shows a bug in the validator: name -> reason (xfail, strict).
KNOWN_BUGS: dict[str, str] = {}

Triple = tuple[str, str, str | None]


def cases(kind: str) -> list[Any]:
    runs = sorted(path for path in (RUNS / kind).iterdir() if path.is_dir())
    return [pytest.param(run, id=run.name,
                         marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[run.name])]
                         if run.name in KNOWN_BUGS else []) for run in runs]


def beside(run: Path, suffix: str) -> Path:
    return run.parent / f"{run.name}.{suffix}.json"


def validate(run: Path) -> list[Triple]:
    """(file, code, pointer) of every finding, sorted, under the case's options."""
    options: dict[str, Any] = {}
    if beside(run, "options").exists():
        options = json.loads(beside(run, "options").read_text())
        assert set(options) <= OPTIONS, f"unknown options in {beside(run, 'options')}"
        if "profile" in options:
            options["profile"] = load_profile(options["profile"])
    return sorted(((f.file, str(f.code), f.pointer) for f in validate_run(run, **options).findings),
                  key=repr)


def expected(run: Path) -> list[Triple]:
    path = beside(run, "expected")
    assert path.is_file(), f"an invalid case needs {path.name} beside it"
    entries = json.loads(path.read_text())
    assert all(set(entry) == {"file", "code", "pointer"} for entry in entries), path
    return sorted(((entry["file"], entry["code"], entry["pointer"]) for entry in entries),
                  key=repr)


@pytest.mark.parametrize("run", cases("valid"))
def test_valid_run_validates(run: Path) -> None:
    assert not beside(run, "expected").exists(), "a valid run expects no findings"
    assert validate(run) == []


@pytest.mark.parametrize("run", cases("invalid"))
def test_invalid_run_gives_exactly_its_findings(run: Path) -> None:
    want = expected(run)
    assert want, "an invalid case expects at least one finding"
    assert validate(run) == want


def test_every_validate_code_has_an_invalid_case() -> None:
    shown = {entry["code"] for path in (RUNS / "invalid").glob("*.expected.json")
             for entry in json.loads(path.read_text())}
    assert shown <= set(Code)
    assert set(Code) - NOT_FROM_VALIDATE - NOT_SHOWN_BY_A_FOLDER - shown == set()


def test_nothing_beside_the_runs_is_stray() -> None:
    for kind in ("valid", "invalid"):
        runs = {path.name for path in (RUNS / kind).iterdir() if path.is_dir()}
        for path in (RUNS / kind).iterdir():
            if path.is_file():
                case, _, suffix = path.name.partition(".")
                assert case in runs and suffix in {"expected.json", "options.json"}, path


def load_make_runs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_runs", RUNS / "make_runs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def tree(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every file and symlink under root (what git keeps: no empty directories)."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for directory, dirs, files in os.walk(root):
        for name in files + [name for name in dirs if (Path(directory) / name).is_symlink()]:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            found[relative] = ("link", os.readlink(path)) if path.is_symlink() \
                else ("file", path.read_bytes())
    return found


def test_committed_runs_are_what_make_runs_makes(tmp_path: Path) -> None:
    load_make_runs().generate(tmp_path)
    for kind in ("valid", "invalid"):
        made, committed = tree(tmp_path / kind), tree(RUNS / kind)
        assert sorted(made) == sorted(committed), \
            f"{kind}/ differs from make_runs.py: run it and commit the result"
        changed = [name for name in made if made[name] != committed[name]]
        assert changed == [], f"changed since make_runs.py made them: {changed}"
