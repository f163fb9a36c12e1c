"""Building the lock of a run: its files, their digests, and the versions they were written in."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evidence import __version__
from evidence.documents import load_document
from evidence.models.artifact import ArtifactRef
from evidence.models.eval_summary import EVAL_SUMMARY_SCHEMA_VERSION
from evidence.models.lock import EvidenceLock
from evidence.models.manifest import MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, RunManifest
from evidence.models.prediction import PREDICTION_SCHEMA_VERSION
from evidence.models.types import is_placeholder

# The documents of a run, named as `evidence.schemas.DOCUMENT_KINDS` names them. A run that
# validates is written in exactly these versions.
RUN_SCHEMA_VERSIONS = {
    "run_manifest": MANIFEST_SCHEMA_VERSION,
    "eval_summary": EVAL_SUMMARY_SCHEMA_VERSION,
    "prediction": PREDICTION_SCHEMA_VERSION,
}


def build_lock(run_id: str, files: Iterable[ArtifactRef]) -> EvidenceLock:
    return EvidenceLock(schema_version="1.0", run_id=run_id, tool_version=__version__,
                        schema_versions=dict(RUN_SCHEMA_VERSIONS),
                        files=sorted(files, key=lambda locked: locked.path))


def read_manifest(run_dir: Path) -> RunManifest | None:
    """The run's manifest if it reads and names its run (a template has no run id yet)."""
    loaded = load_document(run_dir, MANIFEST_FILE, RunManifest, MANIFEST_SCHEMA_VERSION,
                           allow_template=True)
    if loaded.model is None or is_placeholder(loaded.model.run_id):
        return None
    return loaded.model
