"""`evidence verify`: a packaged run verifies; any change to it, and any hostile archive, is a
finding, and nothing is ever extracted outside a temporary directory."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging_support import HOSTILE, Entries, read_entries, rewrite, write_entries

from evidence.cli import main
from evidence.findings import Code
from evidence.io.atomic import dump_model
from evidence.io.strict_json import loads_strict
from evidence.models.artifact import ArtifactRef
from evidence.models.lock import LOCK_FILE, EvidenceLock
from evidence.packaging.layout import zip_entry
from evidence.packaging.package import package_run
from evidence.packaging.verify import verify_archive
from runbuilder import RUN_ID, build_run


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", "verify", *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One packaged run, shared: tests read it and write their tampered copies elsewhere."""
    base = tmp_path_factory.mktemp("packaged")
    packaged = package_run(build_run(base / "run"), base / "run.zip").archive
    assert packaged is not None
    return packaged


def codes(path: Path) -> set[Code]:
    return {finding.code for finding in verify_archive(path).findings}


def test_packaged_run_verifies(archive: Path) -> None:
    result = verify(str(archive))
    assert result.returncode == 0, result.stdout
    assert verify_archive(archive).valid


def test_json_report(archive: Path, tmp_path: Path) -> None:
    broken = rewrite(archive, tmp_path / "broken.zip", lambda entries: entries[1:])
    result = verify("--json", str(broken))
    assert result.returncode == 1
    [run] = json.loads(result.stdout)["result"]["runs"]
    assert run["path"] == str(broken) and run["valid"] is False
    assert {"file": f"{RUN_ID}/checkpoint/flax_model.msgpack", "code": "lock_entry_missing",
            "pointer": None, "line": None,
            "message": f"{RUN_ID}/checkpoint/flax_model.msgpack is in the lock but not in the "
                       "archive"} in run["findings"]


def _inside_tool_version(lock: bytes, offset: int) -> bool:
    start = lock.index(b'"tool_version": "') + len(b'"tool_version": "')
    return start <= offset < lock.index(b'"', start)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_changing_one_byte_of_any_entry_is_a_finding(archive: Path, data: st.DataObject) -> None:
    entries = read_entries(archive)
    index = data.draw(st.integers(0, len(entries) - 1), label="entry")
    info, content = entries[index]
    offset = data.draw(st.integers(0, len(content) - 1), label="offset")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(content)
    changed[offset] ^= flip
    entries[index] = (info, bytes(changed))
    with tempfile.TemporaryDirectory() as temp:
        tampered = write_entries(Path(temp) / "tampered.zip", entries)
        result = verify_archive(tampered)
    if info.filename == LOCK_FILE and _inside_tool_version(content, offset):
        # Which evidence wrote the lock is its own word: nothing in the archive can contradict
        # "0.1.1" for "0.1.0" (docs/packaging.md says so). It must still never crash.
        return
    assert not result.valid
    if info.filename != LOCK_FILE:
        assert Code.LOCK_DIGEST_MISMATCH in {finding.code for finding in result.findings}


def test_flipping_a_stored_byte_in_the_raw_archive_is_a_finding(archive: Path,
                                                                 tmp_path: Path) -> None:
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as opened:
        stored = next(info for info in opened.infolist()
                      if info.compress_type == zipfile.ZIP_STORED)
    # The data follows the 30-byte local header, the name and the extra field.
    start = stored.header_offset + 30 + len(stored.filename.encode()) + len(stored.extra)
    raw[start + 5] ^= 0x01
    tampered = tmp_path / "flipped.zip"
    tampered.write_bytes(bytes(raw))
    assert Code.ARCHIVE_UNREADABLE in codes(tampered)
    assert verify(str(tampered)).returncode == 1


@pytest.mark.parametrize("name", [f"{RUN_ID}/notes.txt", "notes.txt"])
def test_adding_an_entry_is_a_finding(archive: Path, tmp_path: Path, name: str) -> None:
    def add(entries: Entries) -> Entries:
        return [*entries, (zip_entry(name, 5), b"hello")]

    tampered = rewrite(archive, tmp_path / "added.zip", add)
    assert Code.LOCK_ENTRY_EXTRA in codes(tampered)
    assert verify(str(tampered)).returncode == 1


def test_removing_any_entry_is_a_finding(archive: Path, tmp_path: Path) -> None:
    names = [info.filename for info, _ in read_entries(archive)]
    for name in names:
        tampered = rewrite(archive, tmp_path / "removed.zip",
                           lambda entries, gone=name: [e for e in entries if e[0].filename != gone])
        expected = Code.FILE_MISSING if name == LOCK_FILE else Code.LOCK_ENTRY_MISSING
        assert expected in codes(tampered), name
        assert verify(str(tampered)).returncode == 1


def test_consistent_rewrite_of_lock_still_fails_validation(archive: Path, tmp_path: Path) -> None:
    """Changing a file and its lock entry together leaves the manifest's digest to catch it."""
    path, content = "checkpoint/flax_model.msgpack", b"other weights"
    forged = ArtifactRef(path=path, sha256=hashlib.sha256(content).hexdigest(),
                         size_bytes=len(content))

    def forge(entries: Entries) -> Entries:
        result = []
        for info, data in entries:
            if info.filename == f"{RUN_ID}/{path}":
                data = content
            elif info.filename == LOCK_FILE:
                lock = EvidenceLock.model_validate(loads_strict(data))
                files = [forged if file.path == path else file for file in lock.files]
                data = dump_model(lock.model_copy(update={"files": files}))
            result.append((info, data))
        return result

    result = verify_archive(rewrite(archive, tmp_path / "forged.zip", forge))
    assert not result.archive_findings
    assert {f.code for f in result.run_findings} == {Code.ARTIFACT_SIZE_MISMATCH}


@pytest.mark.parametrize(("fixture", "code"), [
    ("dotdot_name.zip", Code.ARCHIVE_UNSAFE_NAME),
    ("absolute_name.zip", Code.ARCHIVE_UNSAFE_NAME),
    ("backslash_name.zip", Code.ARCHIVE_UNSAFE_NAME),
    ("empty_component_name.zip", Code.ARCHIVE_UNSAFE_NAME),
    ("duplicate_name.zip", Code.ARCHIVE_DUPLICATE_ENTRY),
    ("file_and_directory.zip", Code.ARCHIVE_DUPLICATE_ENTRY),
    ("symlink_entry.zip", Code.ARCHIVE_NOT_FILE),
    ("directory_entry.zip", Code.ARCHIVE_NOT_FILE),
    ("encrypted_entry.zip", Code.ARCHIVE_UNREADABLE),
    ("unsupported_method.zip", Code.ARCHIVE_UNREADABLE),
    ("declared_size_bomb.zip", Code.ARCHIVE_TOO_LARGE),
    ("not_a_zip.zip", Code.ARCHIVE_UNREADABLE),
    ("truncated_archive.zip", Code.ARCHIVE_UNREADABLE),
])
def test_hostile_archive_is_refused_before_extraction(
        fixture: str, code: Code, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("extracted from a hostile archive")

    monkeypatch.setattr("evidence.packaging.verify.extract_locked", no_extraction)
    result = verify_archive(HOSTILE / fixture)
    assert code in {finding.code for finding in result.findings}
    assert not result.valid


def test_lying_size_bomb_stops_at_its_declared_size() -> None:
    result = verify_archive(HOSTILE / "lying_size_bomb.zip")
    [unreadable] = [f for f in result.archive_findings if f.code == Code.ARCHIVE_UNREADABLE]
    assert unreadable.file == "run-1/predictions.jsonl"


def test_real_bomb_over_the_limit_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run-1/zeros.txt", b"\0" * (8 * 1024 * 1024))
    assert bomb.stat().st_size < 64 * 1024
    result = verify("--max-bytes", str(1024 * 1024), str(bomb))
    assert result.returncode == 1 and "archive_too_large" in result.stdout


def test_verify_extracts_only_into_a_temporary_directory(archive: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = set(Path(tempfile.gettempdir()).glob("evidence-verify-*"))
    assert verify_archive(archive).valid
    assert list(tmp_path.iterdir()) == []
    assert set(Path(tempfile.gettempdir()).glob("evidence-verify-*")) == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=0), flip=st.integers(1, 255))
def test_any_corrupted_byte_gives_a_report_never_a_crash(archive: Path, offset: int,
                                                         flip: int) -> None:
    raw = bytearray(archive.read_bytes())
    raw[offset % len(raw)] ^= flip
    with tempfile.TemporaryDirectory() as temp:
        corrupt = Path(temp) / "corrupt.zip"
        corrupt.write_bytes(bytes(raw))
        assert main(["verify", "--json", str(corrupt)]) in (0, 1)


def test_missing_archive_exits_2(tmp_path: Path) -> None:
    result = verify(str(tmp_path / "nope.zip"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
