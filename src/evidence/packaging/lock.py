"""Building the lock of a run: its files, their digests, and the versions they were written in."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evidence import __version__
from evidence.models.artifact import ArtifactRef
from evidence.models.lock import LOCK_SCHEMA_VERSION, EvidenceLock
from evidence.models.manifest import RunManifestBase
from evidence.models.types import is_placeholder
from evidence.registry import run_schema_versions
from evidence.validation.documents import load_manifest


def build_lock(manifest: RunManifestBase, files: Iterable[ArtifactRef]) -> EvidenceLock:
    """The lock of the run `manifest` names: its files, and the versions of its documents (the
    manifest's own, 1.0 or 2.0, as it is written)."""
    return EvidenceLock(schema_version=LOCK_SCHEMA_VERSION, run_id=str(manifest.run_id),
                        tool_version=__version__,
                        schema_versions=run_schema_versions(manifest.schema_version),
                        files=sorted(files, key=lambda locked: locked.path))


def named_manifest(run_dir: Path) -> RunManifestBase | None:
    """The run's manifest, in the version it is written, if it reads and names its run (a
    template has no run id yet)."""
    loaded = load_manifest(run_dir, allow_template=True)
    if loaded.model is None or is_placeholder(loaded.model.run_id):
        return None
    return loaded.model
