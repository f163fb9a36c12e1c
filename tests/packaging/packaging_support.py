"""Support for the packaging tests: where things are, and rewriting a packaged archive entry by
entry, to tamper with it the way a person could.

(Not imported from conftest: with several conftest.py files, `import conftest` means any one.)"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "packaging"
M36 = REPO / "submission_runs" / "m36_v1"

Entries = list[tuple[zipfile.ZipInfo, bytes]]


def read_entries(archive: Path) -> Entries:
    with zipfile.ZipFile(archive) as source:
        return [(info, source.read(info)) for info in source.infolist()]


def write_entries(archive: Path, entries: Entries) -> Path:
    with zipfile.ZipFile(archive, "w") as target:
        for info, data in entries:
            target.writestr(info, data)
    return archive


def rewrite(source: Path, target: Path, edit: Callable[[Entries], Entries]) -> Path:
    """`target` holds what `edit` makes of `source`'s entries, headers kept as they were."""
    return write_entries(target, edit(read_entries(source)))


def relist_artifacts(run_dir: Path) -> None:
    """Re-record every artifact's digest and size in the manifest, after a test changed one on
    purpose (so the run is valid again, with the new content)."""
    from evidence.io.atomic import write_model_atomic
    from evidence.io.digest import describe_artifact
    from evidence.models.manifest import MANIFEST_FILE, RunManifest

    manifest = RunManifest.model_validate_json((run_dir / MANIFEST_FILE).read_bytes())
    assert not isinstance(manifest.artifacts, str)
    artifacts = [describe_artifact(run_dir, artifact.path) for artifact in manifest.artifacts]
    write_model_atomic(run_dir / MANIFEST_FILE,
                       manifest.model_copy(update={"artifacts": artifacts}))
