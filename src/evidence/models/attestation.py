"""An in-toto Statement v1 about a run's evidence, with a predicate of our own.

The subjects are the locked files (closed: exactly the run's files, each with its SHA-256); the
predicate says which run it is, which document schemas it uses, and what validation found, so
supply-chain tooling (policy engines, signers) can consume the evidence without running us.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from evidence.models.types import Identifier, Name, PositiveInt, RelPath, Sha256, StrictModel

ATTESTATION_SCHEMA_VERSION = "1.0"
StatementType = Literal["https://in-toto.io/Statement/v1"]
STATEMENT_TYPE: StatementType = "https://in-toto.io/Statement/v1"
# Our own predicate type: a URN like the schemas' ids; its major version changes only when a
# consumer would have to read the predicate differently.
PredicateType = Literal["urn:evidence:predicate:run-evidence:v1"]
PREDICATE_TYPE: PredicateType = "urn:evidence:predicate:run-evidence:v1"

# A finding code as `evidence.findings.Code` spells it; a pattern rather than the enum's list, so
# that adding a code to the validator does not change this schema.
FindingCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class RecordedFinding(StrictModel):
    file: str = Field(description="File of the run the finding is about.")
    code: FindingCode = Field(description="Stable finding code (see docs/packaging.md).")
    message: str
    pointer: str | None = Field(description="RFC 6901 pointer into the file, if any.")
    line: PositiveInt | None = Field(description="1-based line of the file, if any.")


class ValidationResult(StrictModel):
    valid: bool = Field(description="True exactly when validation found nothing.")
    findings: list[RecordedFinding]

    @model_validator(mode="after")
    def _valid_means_no_findings(self) -> ValidationResult:
        if self.valid == bool(self.findings):
            raise ValueError("valid must be true exactly when there are no findings")
        return self


class AttestationPredicate(StrictModel):
    schema_version: Literal["1.0"]
    run_id: Identifier
    tool_version: Name = Field(description="Version of evidence that validated the run.")
    schema_versions: dict[Identifier, Name] = Field(
        description="Schema version of each evidence document kind in the run."
    )
    source: Literal["run_directory", "archive"] = Field(
        description="What was attested: a run directory, or a packaged archive (verified)."
    )
    validation: ValidationResult


class SubjectDigest(StrictModel):
    sha256: Sha256


class Subject(StrictModel):
    name: RelPath = Field(description="Path of the file relative to the run directory.")
    digest: SubjectDigest


class AttestationStatement(StrictModel):
    type: StatementType = Field(alias="_type")
    subject: list[Subject] = Field(min_length=1, description="One per locked file, by path.")
    predicate_type: PredicateType = Field(alias="predicateType")
    predicate: AttestationPredicate
