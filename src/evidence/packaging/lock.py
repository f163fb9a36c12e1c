"""Building the lock of a run: its files, their digests, and the versions they were written in."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evidence import __version__
from evidence.models.artifact import ArtifactRef
from evidence.models.lock import LOCK_SCHEMA_VERSION, EvidenceLock
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.models.types import is_placeholder
from evidence.registry import RUN_MANIFEST, RUN_SCHEMA_VERSIONS
from evidence.validation.documents import load_document


def build_lock(run_id: str, files: Iterable[ArtifactRef]) -> EvidenceLock:
    return EvidenceLock(schema_version=LOCK_SCHEMA_VERSION, run_id=run_id, tool_version=__version__,
                        schema_versions=dict(RUN_SCHEMA_VERSIONS),
                        files=sorted(files, key=lambda locked: locked.path))


def named_manifest(run_dir: Path) -> RunManifest | None:
    """The run's manifest if it reads and names its run (a template has no run id yet)."""
    loaded = load_document(run_dir, MANIFEST_FILE, RunManifest, RUN_MANIFEST.version,
                           allow_template=True)
    if loaded.model is None or is_placeholder(loaded.model.run_id):
        return None
    return loaded.model
