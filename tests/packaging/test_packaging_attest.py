"""`evidence attest`: an in-toto Statement v1 whose subjects are exactly the locked files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging_support import M36, Entries, rewrite

from evidence.io.digest import sha256_file
from evidence.models.attestation import AttestationStatement
from evidence.packaging.layout import zip_entry
from evidence.packaging.package import package_run
from runbuilder import RUN_ID


def attest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", "attest", *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture
def archive(run_dir: Path, tmp_path: Path) -> Path:
    packaged = package_run(run_dir, tmp_path / "run.zip").archive
    assert packaged is not None
    return packaged


def statement_of(output: str) -> dict:
    document = json.loads(output)
    AttestationStatement.model_validate_json(output)  # also strict against our model
    return document


def test_run_directory_statement(run_dir: Path) -> None:
    result = attest(str(run_dir))
    assert result.returncode == 0, result.stderr
    statement = statement_of(result.stdout)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "urn:evidence:predicate:run-evidence:v1"
    on_disk = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    assert [subject["name"] for subject in statement["subject"]] == on_disk
    for subject in statement["subject"]:
        assert subject["digest"] == {"sha256": sha256_file(run_dir / subject["name"])[0]}
    predicate = statement["predicate"]
    assert predicate["run_id"] == RUN_ID and predicate["source"] == "run_directory"
    assert predicate["schema_versions"] == {"run_manifest": "2.0", "eval_summary": "1.0",
                                            "prediction": "1.0"}
    assert predicate["validation"] == {"valid": True, "findings": []}


def test_archive_and_directory_attest_the_same_subjects(run_dir: Path, archive: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "run.intoto.json"
    assert attest(str(archive), "--out", str(out)).returncode == 0
    from_archive = statement_of(out.read_text())
    from_directory = statement_of(attest(str(run_dir)).stdout)
    assert from_archive["subject"] == from_directory["subject"]
    assert from_archive["predicate"]["source"] == "archive"


def test_invalid_run_is_attested_as_invalid(run_dir: Path, tmp_path: Path) -> None:
    (run_dir / "checkpoint" / "flax_model.msgpack").write_bytes(b"retrained")
    out = tmp_path / "statement.json"
    result = attest(str(run_dir), "--out", str(out))
    assert result.returncode == 1 and "attested as invalid" in result.stderr
    validation = statement_of(out.read_text())["predicate"]["validation"]
    assert validation["valid"] is False
    assert [finding["code"] for finding in validation["findings"]] == ["artifact_size_mismatch"]


@pytest.mark.parametrize("change", ["add", "remove"])
def test_lock_stays_closed(archive: Path, tmp_path: Path, change: str) -> None:
    def edit(entries: Entries) -> Entries:
        if change == "add":
            return [*entries, (zip_entry(f"{RUN_ID}/extra.txt", 1), b"x")]
        return [entry for entry in entries if not entry[0].filename.endswith(".msgpack")]

    tampered = rewrite(archive, tmp_path / "tampered.zip", edit)
    out = tmp_path / "statement.json"
    result = attest(str(tampered), "--out", str(out))
    assert result.returncode == 1 and not out.exists()
    assert ("lock_entry_extra" if change == "add" else "lock_entry_missing") in result.stderr


def test_symlink_in_run_means_no_statement(run_dir: Path) -> None:
    (run_dir / "checkpoint" / "link").symlink_to(run_dir / "eval_summary.json")
    result = attest(str(run_dir))
    assert result.returncode == 1 and result.stdout == "" and "run_symlink" in result.stderr


def test_template_cannot_be_attested() -> None:
    result = attest(str(M36))
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr


def test_missing_target_exits_2(tmp_path: Path) -> None:
    result = attest(str(tmp_path / "nothing"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
