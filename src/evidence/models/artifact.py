"""An artifact reference: a file of the run, relative to the run directory, with its digest."""

from __future__ import annotations

from pydantic import Field

from evidence.models.types import Count, RelPath, Sha256, StrictModel


class ArtifactRef(StrictModel):
    """A file of the run, named by its path in the run directory, with its digest and size."""

    path: RelPath = Field(description="Path of the file relative to the run directory, with '/' "
                                      "as the separator; never absolute, no '..'.")
    sha256: Sha256 = Field(description="SHA-256 of the file's bytes, lowercase hex.")
    size_bytes: Count = Field(description="Size of the file in bytes.")
