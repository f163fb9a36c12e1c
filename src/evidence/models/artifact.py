"""An artifact reference: a file of the run, relative to the run directory, with its digest."""

from __future__ import annotations

from pydantic import Field

from evidence.models.types import Count, RelPath, Sha256, StrictModel


class ArtifactRef(StrictModel):
    path: RelPath = Field(description="Relative to the run directory; never absolute, no '..'.")
    sha256: Sha256 = Field(description="SHA-256 of the file's bytes, lowercase hex.")
    size_bytes: Count = Field(description="Size of the file in bytes.")
