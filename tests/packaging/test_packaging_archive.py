"""`evidence package`: a valid run becomes a reproducible, locked zip; anything else is refused."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from packaging_support import M36, relist_artifacts

from evidence.cli import main
from evidence.findings import Code
from evidence.io.digest import sha256_file
from evidence.io.strict_json import loads_strict
from evidence.models.lock import LOCK_FILE, EvidenceLock
from evidence.packaging.layout import FIXED_DATE_TIME
from evidence.packaging.package import PackageError, package_run
from evidence.validation.run import validate_run
from runbuilder import RUN_ID


def package(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", "package", *args],
                          capture_output=True, text=True, cwd=cwd, check=False)


def test_same_run_gives_identical_bytes(run_dir: Path, tmp_path: Path) -> None:
    first = package_run(run_dir, tmp_path / "first.zip").archive
    second = package_run(run_dir, tmp_path / "second.zip").archive
    assert first is not None and second is not None
    assert first.read_bytes() == second.read_bytes()


def test_bytes_do_not_depend_on_times_modes_or_walk_order(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(run_dir, copy)
    for path in copy.rglob("*"):
        if path.is_file():
            os.utime(path, (1_000_000_000, 1_000_000_000))
            path.chmod(0o600)
    original = package_run(run_dir, tmp_path / "a.zip").archive
    moved = package_run(copy, tmp_path / "b.zip").archive
    assert original is not None and moved is not None
    assert original.read_bytes() == moved.read_bytes()


def test_entries_are_sorted_with_fixed_time_and_mode(run_dir: Path, tmp_path: Path) -> None:
    archive = package_run(run_dir, tmp_path / "run.zip").archive
    assert archive is not None
    with zipfile.ZipFile(archive) as opened:
        infos = opened.infolist()
    names = [info.filename for info in infos]
    assert names[:-1] == sorted(names[:-1]) and names[-1] == LOCK_FILE
    assert all(name.startswith(f"{RUN_ID}/") for name in names[:-1])
    for info in infos:
        assert info.date_time == FIXED_DATE_TIME
        assert info.external_attr >> 16 == stat.S_IFREG | 0o644


def test_lock_lists_every_file_with_its_digest(run_dir: Path, tmp_path: Path) -> None:
    result = package_run(run_dir, tmp_path / "run.zip")
    assert result.archive is not None and result.lock is not None
    with zipfile.ZipFile(result.archive) as opened:
        lock = EvidenceLock.model_validate(loads_strict(opened.read(LOCK_FILE)))
    assert lock == result.lock and lock.run_id == RUN_ID
    on_disk = sorted(path.relative_to(run_dir).as_posix()
                     for path in run_dir.rglob("*") if path.is_file())
    assert [file.path for file in lock.files] == on_disk
    for file in lock.files:
        assert (file.sha256, file.size_bytes) == sha256_file(run_dir / file.path)
    assert lock.schema_versions == {"run_manifest": "2.0", "eval_summary": "1.0",
                                    "prediction": "1.0"}


def test_invalid_run_is_refused_with_validate_findings(run_dir: Path, tmp_path: Path) -> None:
    (run_dir / "checkpoint" / "flax_model.msgpack").write_bytes(b"retrained")
    result = package_run(run_dir, tmp_path / "run.zip")
    assert result.archive is None
    assert result.findings == validate_run(run_dir).findings
    assert not (tmp_path / "run.zip").exists()


def test_template_is_refused(tmp_path: Path) -> None:
    result = package(str(M36), "--out", str(tmp_path / "m36.zip"))
    assert result.returncode == 1
    assert "template_unfilled" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m36.zip").exists()


def test_listed_symlink_that_validation_accepts_is_refused(run_dir: Path, tmp_path: Path) -> None:
    # A link to another file of the run passes validation (it stays inside, its digest matches),
    # but an archive cannot say what it pointed at: packaging refuses it, never follows it.
    (run_dir / "checkpoint" / "flax_model.msgpack").unlink()
    (run_dir / "checkpoint" / "flax_model.msgpack").symlink_to(run_dir / "eval_summary.json")
    relist_artifacts(run_dir)
    assert validate_run(run_dir).valid
    result = package_run(run_dir, tmp_path / "run.zip")
    assert [(f.file, f.code) for f in result.findings] == \
        [("checkpoint/flax_model.msgpack", Code.RUN_SYMLINK)]
    assert not (tmp_path / "run.zip").exists()


def test_symlinked_directory_that_validation_ignores_is_still_refused(
        run_dir: Path, tmp_path: Path) -> None:
    (run_dir / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    assert validate_run(run_dir).valid
    result = package_run(run_dir, tmp_path / "run.zip")
    assert [(f.file, f.code) for f in result.findings] == [("linked_dir", Code.RUN_SYMLINK)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_never_opened(run_dir: Path, tmp_path: Path) -> None:
    os.mkfifo(run_dir / "checkpoint" / "pipe")
    result = package_run(run_dir, tmp_path / "run.zip")
    assert result.archive is None
    assert any(finding.file == "checkpoint/pipe" and finding.code in
               (Code.RUN_SPECIAL_FILE, Code.ARTIFACT_UNLISTED) for finding in result.findings)


def test_file_changing_while_packaged_leaves_no_archive(run_dir: Path, tmp_path: Path) -> None:
    def meddle(name: str, size: int):  # a run that is still writing its log
        if name == "checkpoint/flax_model.msgpack":
            with (run_dir / "kaggle_output_log.txt").open("a") as log:
                log.write("one more line\n")
        return lambda _: None

    out = tmp_path / "run.zip"
    result = package_run(run_dir, out, packing=meddle)
    assert [(f.file, f.code) for f in result.findings] == \
        [("kaggle_output_log.txt", Code.PACKAGE_FILE_CHANGED)]
    assert not out.exists() and list(tmp_path.glob(".run.zip*")) == []


def test_output_inside_the_run_is_a_usage_error(run_dir: Path) -> None:
    with pytest.raises(PackageError):
        package_run(run_dir, run_dir / "run.zip")
    result = package(str(run_dir), "--out", str(run_dir / "run.zip"))
    assert result.returncode == 2 and "inside the run directory" in result.stderr


def test_default_output_is_run_id_zip_beside_the_run_whatever_the_working_directory(
        run_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = package(str(run_dir), cwd=work)
    assert result.returncode == 0, result.stderr
    archive = run_dir.parent / f"{RUN_ID}.zip"
    digest, size = sha256_file(archive)
    assert f"sha256 {digest}" in result.stdout and f"{size} bytes" in result.stdout
    assert list(work.iterdir()) == []


def test_package_of_a_relative_dot_run_writes_beside_it(run_dir: Path) -> None:
    result = package(".", cwd=run_dir)
    assert result.returncode == 0, result.stderr
    assert (run_dir.parent / f"{RUN_ID}.zip").is_file()


def test_missing_run_directory_exits_2(tmp_path: Path) -> None:
    result = package(str(tmp_path / "nope"), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_cli_exit_codes(run_dir: Path, tmp_path: Path) -> None:
    assert main(["package", str(run_dir), "--out", str(tmp_path / "ok.zip")]) == 0
    (run_dir / "predictions.jsonl").write_text("{}\n")
    assert main(["package", str(run_dir), "--out", str(tmp_path / "bad.zip")]) == 1


def test_large_artifact_streams_through_in_flat_memory(run_dir: Path, tmp_path: Path) -> None:
    big = 48 * 1024 * 1024
    with (run_dir / "checkpoint" / "flax_model.msgpack").open("wb") as handle:
        handle.truncate(big)  # sparse: costs no disk, yet the packager reads every byte
    relist_artifacts(run_dir)
    tracemalloc.start()
    try:
        result = package_run(run_dir, tmp_path / "big.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.lock is not None
    assert any(file.size_bytes == big for file in result.lock.files)
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while packaging {big} bytes"
