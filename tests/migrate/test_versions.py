"""The registry knows each document's versions; the lock records those a run is written in, and
verify holds an archive's manifest to the version its lock states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence.findings import Code
from evidence.models.lock import LOCK_SCHEMA_VERSION, EvidenceLock
from evidence.models.manifest import RunManifestBase
from evidence.packaging.package import package_run
from evidence.packaging.verify import verify_archive
from evidence.registry import (
    RUN_MANIFEST,
    RUN_MANIFEST_V1,
    RUN_SCHEMA_VERSIONS,
    is_later,
    is_newer,
    reads_run_versions,
    run_schema_versions,
    version_of,
    versions_of,
)
from runbuilder import build_run


def test_the_manifest_has_two_versions_oldest_first() -> None:
    assert versions_of("run_manifest") == (RUN_MANIFEST_V1, RUN_MANIFEST)
    assert version_of("run_manifest", "1.0") is RUN_MANIFEST_V1
    assert version_of("run_manifest", "2.1") is None
    assert RUN_SCHEMA_VERSIONS == {"run_manifest": "2.0", "eval_summary": "1.0",
                                   "prediction": "1.0"}


@pytest.mark.parametrize(("version", "newer"), [
    ("2.1", True), ("3.0", True), ("10.0", True), ("2.0", False), ("1.0", False),
    ("1.5", False), ("0.9", False), ("2", False), ("v3.0", False), (3.0, False), (None, False),
])
def test_newer_is_a_well_formed_version_past_every_known_one(version: Any, newer: bool) -> None:
    assert is_newer(version, ("1.0", "2.0")) is newer


def test_later_is_between_known_versions_only() -> None:
    assert is_later("run_manifest", "2.0", "1.0")
    assert not is_later("run_manifest", "1.0", "2.0")
    assert not is_later("run_manifest", "2.1", "1.0")
    assert not is_later("eval_summary", "1.0", "1.0")


def test_a_lock_may_state_any_versions_this_evidence_reads() -> None:
    assert reads_run_versions(run_schema_versions("1.0"))
    assert reads_run_versions(run_schema_versions("2.0"))
    assert not reads_run_versions(run_schema_versions("2.1"))
    assert not reads_run_versions({"run_manifest": "2.0"})


def test_verify_holds_the_manifest_to_the_version_its_lock_states(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive whose lock says 1.0 around a 2.0 manifest: the lock does not describe it."""
    from evidence import __version__

    def stale_lock(manifest: RunManifestBase, files: Any) -> EvidenceLock:
        return EvidenceLock(schema_version=LOCK_SCHEMA_VERSION, run_id=str(manifest.run_id),
                            tool_version=__version__,
                            schema_versions=run_schema_versions("1.0"),
                            files=sorted(files, key=lambda locked: locked.path))

    monkeypatch.setattr("evidence.packaging.package.build_lock", stale_lock)
    archive = package_run(build_run(tmp_path / "run"), tmp_path / "run.zip").archive
    assert archive is not None
    found = [(f.code, f.pointer) for f in verify_archive(archive).archive_findings]
    assert found == [(Code.LOCK_MISMATCH, "/schema_versions/run_manifest")]
