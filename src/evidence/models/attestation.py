"""An in-toto Statement v1 about a run's evidence, with a predicate of our own.

The subjects are the locked files (closed: exactly the run's files, each with its SHA-256); the
predicate says which run it is, which document schemas it uses, and what validation found, so
supply-chain tooling (policy engines, signers) can consume the evidence without running us.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints, model_validator

from evidence.models.types import Identifier, Name, PositiveInt, RelPath, Sha256, StrictModel

ATTESTATION_SCHEMA_VERSION: Final = "1.0"
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
    """One finding of the validation, as `evidence validate --json` reports it."""

    file: str = Field(description="File of the run the finding is about.")
    code: FindingCode = Field(description="Stable finding code (see docs/evidence.md and "
                                          "docs/packaging.md).")
    message: str = Field(description="What is wrong, for a person to read.")
    pointer: str | None = Field(description="RFC 6901 pointer into the file, if any.")
    line: PositiveInt | None = Field(description="1-based line of the file, if any.")


class ValidationResult(StrictModel):
    """What validating the run found."""

    valid: bool = Field(description="True exactly when validation found nothing.")
    findings: list[RecordedFinding] = Field(description="Every finding; empty for a valid run.")

    @model_validator(mode="after")
    def _valid_means_no_findings(self) -> ValidationResult:
        if self.valid == bool(self.findings):
            raise ValueError("valid must be true exactly when there are no findings")
        return self


class AttestationPredicate(StrictModel):
    """The predicate of the statement: which run, in which schema versions, and what validation
    found."""

    schema_version: Literal["1.0"] = Field(description="Version of this predicate's schema.")
    run_id: Identifier = Field(description="The run's id, as its manifest names it.")
    tool_version: Name = Field(description="Version of evidence that validated the run.")
    schema_versions: dict[Identifier, Name] = Field(
        description="Schema version of each evidence document kind in the run."
    )
    source: Literal["run_directory", "archive"] = Field(
        description="What was attested: a run directory, or a packaged archive (verified)."
    )
    validation: ValidationResult = Field(description="What `evidence validate` found in the "
                                                     "run.")


class SubjectDigest(StrictModel):
    """The digest of a subject, keyed by algorithm as in-toto spells it."""

    sha256: Sha256 = Field(description="SHA-256 of the file's bytes, lowercase hex.")


class Subject(StrictModel):
    """One file the statement is about."""

    name: RelPath = Field(description="Path of the file relative to the run directory.")
    digest: SubjectDigest = Field(description="The file's digest.")


class AttestationStatement(StrictModel):
    """An in-toto Statement v1 about a run's evidence, as `evidence attest` writes it."""

    type: StatementType = Field(alias="_type", description="in-toto's statement type, "
                                                          "https://in-toto.io/Statement/v1.")
    subject: list[Subject] = Field(min_length=1, description="One per locked file, by path.")
    predicate_type: PredicateType = Field(
        alias="predicateType",
        description="The predicate's type: urn:evidence:predicate:run-evidence:v1.")
    predicate: AttestationPredicate = Field(description="What the statement says about the "
                                                        "subjects.")
