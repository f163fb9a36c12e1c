"""Permissions and file kinds: an unreadable document or directory is file_unreadable (exit 1,
the report kept), a FIFO, device or dangling symlink is named as such and never blocks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_support import evidence

from evidence.findings import Code
from evidence.io.strict_json import MAX_DOCUMENT_BYTES
from evidence.validation.documents import read_file_bytes
from evidence.validation.predictions import check_predictions
from evidence.validation.run import validate_run

DOCUMENTS = ["run_manifest.json", "eval_summary.json", "predictions.jsonl"]
KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (lambda path: os.mkfifo(path), "a FIFO"),
    "dangling_symlink": (lambda path: path.symlink_to("nowhere"), "a dangling symbolic link"),
    "device": (lambda path: path.symlink_to("/dev/zero"), "a character device"),
    "directory": (lambda path: path.mkdir(), "a directory"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_document_that_is_not_a_file_is_named(run_dir: Path, document: str, kind: str) -> None:
    make, words = KINDS[kind]
    (run_dir / document).unlink()
    make(run_dir / document)
    outcome = evidence("validate", "--json", str(run_dir), timeout=20)
    assert outcome.code == 1
    [finding] = [f for f in outcome.findings if f["file"] == document]
    assert finding["code"] == "file_unreadable" and words in finding["message"]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("target", ["kaggle_output_log.txt", "checkpoint/flax_model.msgpack"])
def test_a_listed_file_that_is_not_a_file_never_blocks(run_dir: Path, target: str,
                                                       kind: str) -> None:
    (run_dir / target).unlink()
    KINDS[kind][0](run_dir / target)
    outcome = evidence("validate", "--json", str(run_dir), timeout=20)
    assert outcome.code == 1 and outcome.findings


def _refuse(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real_open = os.open

    def guarded(path: object, *args: object, **kwargs: object) -> int:
        if os.fspath(path).endswith(name):  # type: ignore[call-overload]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded)
    real_path_open = Path.open

    def path_open(self: Path, *args: object, **kwargs: object) -> object:
        if str(self).endswith(name):
            raise PermissionError(13, "Permission denied", str(self))
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", path_open)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_reading_an_unreadable_document_is_a_finding(run_dir: Path, document: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse(monkeypatch, document)
    if document == "predictions.jsonl":
        findings = check_predictions(run_dir / document).findings
    else:
        findings = read_file_bytes(run_dir / document, document, MAX_DOCUMENT_BYTES)[1]
    assert [(f.code, "Permission denied" in f.message) for f in findings] == [
        (Code.FILE_UNREADABLE, True)]


@pytest.mark.parametrize("document", [
    "run_manifest.json", "eval_summary.json", "predictions.jsonl"])
def test_an_unreadable_document_is_a_finding(run_dir: Path, document: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse(monkeypatch, document)
    report = validate_run(run_dir)
    mine = [f for f in report.findings if f.file == document]
    assert [(f.code, "Permission denied" in f.message) for f in mine] == [
        (Code.FILE_UNREADABLE, True)]
    if document != "run_manifest.json":  # listed as an artifact too: its digest cannot be read
        assert any(f.code is Code.FILE_UNREADABLE and f.file == "run_manifest.json"
                   and document in f.message for f in report.findings)


def test_an_unreadable_log_is_a_finding_not_a_crash(run_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse(monkeypatch, "kaggle_output_log.txt")
    from evidence.logs import LogError, scan_evidence

    with pytest.raises(LogError) as caught:
        list(scan_evidence(run_dir / "kaggle_output_log.txt"))
    assert caught.value.code is Code.FILE_UNREADABLE


def test_an_unlistable_directory_hides_nothing(run_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (run_dir / "secret").mkdir()
    (run_dir / "secret" / "hidden.bin").write_bytes(b"x")
    (run_dir / "stray.bin").write_bytes(b"y")
    real = os.scandir

    def scandir(path: object) -> object:
        if os.fspath(path).endswith("secret"):  # type: ignore[call-overload]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    found = {(f.file, f.code) for f in validate_run(run_dir).findings}
    assert ("secret", Code.FILE_UNREADABLE) in found
    assert ("stray.bin", Code.ARTIFACT_UNLISTED) in found


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="dropping privileges needs root")
@pytest.mark.parametrize("document", ["run_manifest.json"])
def test_unreadable_for_a_real_user(document: str, tmp_path: Path) -> None:
    from runbuilder import build_run

    base = Path(tempfile.mkdtemp(prefix="evidence-perm-"))
    try:
        os.chmod(base, 0o755)
        run = build_run(base / "run")
        for path in [run, *run.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(run / document, 0o000)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "evidence", "validate", "--json", str(run)],
                capture_output=True, timeout=60, user=65534, group=65534,
                cwd="/", env={**os.environ, "HOME": "/"})
        except (PermissionError, OSError) as error:
            pytest.skip(f"cannot run as nobody: {error}")
        if b"No module named" in done.stderr or b"Permission denied: '" in done.stderr:
            pytest.skip("the interpreter is not readable by nobody")
        assert done.returncode == 1, done.stderr
        assert b"internal error" not in done.stderr
        import json

        findings = json.loads(done.stdout)["findings"]
        assert ("file_unreadable", document) in {(f["code"], f["file"]) for f in findings}
    finally:
        shutil.rmtree(base, ignore_errors=True)
