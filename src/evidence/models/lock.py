"""evidence.lock.json: the closed list of every file a submission archive holds, with digests.

The lock sits at the top of the archive, beside the run's directory (`<run_id>/...`), so it is
never one of the run's own files. Every path in it is relative to the run directory.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, field_validator

from evidence.models.artifact import ArtifactRef
from evidence.models.types import Identifier, Name, StrictModel

LOCK_FILE = "evidence.lock.json"
LOCK_SCHEMA_VERSION: Final = "1.0"


class EvidenceLock(StrictModel):
    """evidence.lock.json: every file of a packaged run, with its digest and size."""

    schema_version: Literal["1.0"] = Field(description="Version of this document's schema.")
    run_id: Identifier = Field(description="The run's id; the archive holds the run under it.")
    tool_version: Name = Field(description="Version of evidence that wrote the archive.")
    schema_versions: dict[Identifier, Name] = Field(
        description="Schema version of each evidence document kind in the run."
    )
    files: list[ArtifactRef] = Field(
        min_length=1,
        description="Every file of the run in the archive, sorted by path, with digest and size.",
    )

    @field_validator("files")
    @classmethod
    def _paths_unique(cls, files: list[ArtifactRef]) -> list[ArtifactRef]:
        seen: set[str] = set()
        for locked in files:
            if locked.path in seen:
                raise ValueError(f"path {locked.path!r} is locked twice")
            seen.add(locked.path)
        return files
