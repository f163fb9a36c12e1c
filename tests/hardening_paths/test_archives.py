"""`verify` refuses what `package` never writes, and `package` refuses names that would be one
file on macOS or Windows: through the real CLI, never a crash or a hang."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from evidence.findings import Code
from evidence.io.atomic import write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.packaging.layout import colliding_names, portable_key
from evidence.packaging.package import package_run
from evidence.packaging.verify import verify_archive
from runbuilder import build_run

HOSTILE = Path(__file__).parents[1] / "fixtures" / "packaging"
# Each archive of make_archives.py's second group, and the finding it must give.
MALFORMED = {
    "stray_bytes_before_first_entry.zip": Code.ARCHIVE_STRAY_BYTES,
    "archive_comment.zip": Code.ARCHIVE_COMMENT,
    "unknown_extra_field.zip": Code.ARCHIVE_EXTRA_FIELD,
    "overlapping_entries.zip": Code.ARCHIVE_OVERLAPPING_ENTRIES,
    "entry_before_the_start_of_the_file.zip": Code.ARCHIVE_HEADER_MISMATCH,
    "local_name_differs.zip": Code.ARCHIVE_HEADER_MISMATCH,
    "local_size_differs.zip": Code.ARCHIVE_HEADER_MISMATCH,
    "local_method_differs.zip": Code.ARCHIVE_HEADER_MISMATCH,
    "local_crc_differs.zip": Code.ARCHIVE_HEADER_MISMATCH,
    "deflated_data_runs_past_its_size.zip": Code.ARCHIVE_DATA_OVERRUN,
}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", *args], capture_output=True,
                          text=True, check=False, timeout=60, cwd=cwd)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_archive_gives_its_finding(name: str) -> None:
    result = cli("verify", "--json", str(HOSTILE / name))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stdout
    [run] = json.loads(result.stdout)["result"]["runs"]
    assert MALFORMED[name] in {finding["code"] for finding in run["findings"]}, run


def test_header_mismatch_names_the_field() -> None:
    fields = {"local_name_differs.zip": "name", "local_size_differs.zip": "size",
              "local_method_differs.zip": "method", "local_crc_differs.zip": "crc"}
    for archive, field in fields.items():
        [finding] = verify_archive(HOSTILE / archive).findings
        assert f"states {field} " in finding.message, finding.message


def test_every_fixture_is_refused_without_a_crash() -> None:
    for archive in sorted(HOSTILE.glob("*.zip")):
        assert not verify_archive(archive).valid, archive.name


def test_the_generator_writes_the_committed_fixtures(tmp_path: Path) -> None:
    """make_archives.py is deterministic: running it again gives the committed bytes."""
    copy = tmp_path / "packaging"
    shutil.copytree(HOSTILE, copy)
    for archive in copy.glob("*.zip"):
        archive.unlink()
    subprocess.run([sys.executable, str(copy / "make_archives.py")], check=True, timeout=60)
    for name in MALFORMED:
        assert (copy / name).read_bytes() == (HOSTILE / name).read_bytes(), name


def test_a_packaged_run_has_none_of_these(tmp_path: Path) -> None:
    archive = package_run(build_run(tmp_path / "run"), tmp_path / "run.zip").archive
    assert archive is not None and verify_archive(archive).valid


def _add_listed_file(run: Path, name: str, data: bytes) -> None:
    """A new file of the run, listed in its manifest with its digest, so the run stays valid."""
    (run / name).write_bytes(data)
    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    assert not isinstance(manifest.artifacts, str)
    write_model_atomic(run / MANIFEST_FILE, manifest.model_copy(update={
        "artifacts": [*manifest.artifacts, describe_artifact(run, name)]}))


def test_package_refuses_names_equal_but_for_case(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run")
    _add_listed_file(run, "A.txt", b"upper")
    _add_listed_file(run, "a.txt", b"lower")
    assert cli("validate", str(run)).returncode == 0  # distinct files here, on Linux
    result = cli("package", "--json", str(run), "--out", str(tmp_path / "out.zip"))
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = [finding for finding in json.loads(result.stdout)["findings"]
                 if finding["code"] == "package_name_collision"]
    assert "'A.txt'" in finding["message"] and "'a.txt'" in finding["message"]
    assert not (tmp_path / "out.zip").exists()


def test_package_refuses_composed_and_decomposed_forms(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run")
    composed, decomposed = "caf\u00e9.txt", "cafe\u0301.txt"
    (run / composed).write_bytes(b"one")
    (run / decomposed).write_bytes(b"two")
    if len(list(run.glob("caf*.txt"))) < 2:
        pytest.skip("this file system already makes the two names one")
    result = cli("package", "--json", str(run), "--out", str(tmp_path / "out.zip"))
    assert result.returncode == 1
    codes = [finding["code"] for finding in json.loads(result.stdout)["findings"]]
    assert "package_name_collision" in codes
    [finding] = [finding for finding in json.loads(result.stdout)["findings"]
                 if finding["code"] == "package_name_collision"]
    assert ascii(composed) in finding["message"] and ascii(decomposed) in finding["message"]


def test_portable_key_folds_case_and_normal_forms() -> None:
    decomposed = unicodedata.normalize("NFD", "caf\u00e9.txt")
    assert portable_key("Caf\u00c9.TXT") == portable_key(decomposed)
    assert colliding_names(["b/X", "b/x", "c"]) == [("b/X", "b/x")]
    assert colliding_names(["run_manifest.json", "predictions.jsonl"]) == []
