"""The evidence documents, each defined once: its name, its file, its model and its version.

Every place that needs "the documents" reads them from here: the line protocol (which documents
the trainer states), fill (which documents a log fills), the lock (which versions a run is
written in), the schema export, and validation. A new document or version is added here.

A document can have more than one version (run_manifest 1.0 and 2.0): each is a `Document` of
its own, with its model and schema; `versions_of` lists them, oldest first, and validation reads
a document as the version it names. A version newer than every one known here is refused as such
(`is_newer`): it was written by a newer evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from evidence.models.attestation import (
    ATTESTATION_SCHEMA_VERSION,
    AttestationPredicate,
    AttestationStatement,
)
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EVAL_SUMMARY_SCHEMA_VERSION, EvalSummary
from evidence.models.lock import LOCK_FILE, LOCK_SCHEMA_VERSION, EvidenceLock
from evidence.models.manifest import (
    MANIFEST_FILE,
    MANIFEST_SCHEMA_VERSION,
    MANIFEST_V1_SCHEMA_VERSION,
    RunManifest,
    RunManifestV1,
)
from evidence.models.prediction import PREDICTION_SCHEMA_VERSION, PREDICTIONS_FILE, Prediction

# The run's recorded console log: not a JSON document, but a file every run names. A template
# holds a stand-in that starts with LOG_PLACEHOLDER_START until fill copies the real log in.
LOG_FILE = "kaggle_output_log.txt"
LOG_PLACEHOLDER_START = b"<FILL: kaggle_output_log>"


def is_log_placeholder(path: Path) -> bool:
    """Whether the log at `path` (a regular file) is still the template's stand-in."""
    with path.open("rb") as handle:
        return handle.read(len(LOG_PLACEHOLDER_START)) == LOG_PLACEHOLDER_START


@dataclass(frozen=True, slots=True)
class Document:
    """One kind of evidence document.

    `in_run`: a run directory holds it (the lock records its version); `stated`: the trainer
    states its fields as evidence lines, so a console log can fill and check it."""

    name: str
    file: str | None
    model: type[BaseModel]
    version: str
    in_run: bool = False
    stated: bool = False

    @property
    def run_file(self) -> str:
        """Its file name inside a run directory; only documents a run or archive holds have one."""
        if self.file is None:
            raise ValueError(f"{self.name} is not a file of a run")
        return self.file

    @property
    def schema_file(self) -> str:
        return f"{self.name}-{self.version}.schema.json"

    @property
    def schema_id(self) -> str:
        return f"urn:evidence:schema:{self.name}:{self.version}"


RUN_MANIFEST_V1 = Document("run_manifest", MANIFEST_FILE, RunManifestV1,
                           MANIFEST_V1_SCHEMA_VERSION, in_run=True, stated=True)
RUN_MANIFEST = Document("run_manifest", MANIFEST_FILE, RunManifest, MANIFEST_SCHEMA_VERSION,
                        in_run=True, stated=True)
EVAL_SUMMARY = Document("eval_summary", EVAL_SUMMARY_FILE, EvalSummary,
                        EVAL_SUMMARY_SCHEMA_VERSION, in_run=True, stated=True)
PREDICTION = Document("prediction", PREDICTIONS_FILE, Prediction, PREDICTION_SCHEMA_VERSION,
                      in_run=True)
EVIDENCE_LOCK = Document("evidence_lock", LOCK_FILE, EvidenceLock, LOCK_SCHEMA_VERSION)
# The predicate on its own (for policy engines that check predicates), and the whole in-toto
# statement as `evidence attest` writes it (for whoever receives the file).
ATTESTATION_PREDICATE = Document("attestation_predicate", None, AttestationPredicate,
                                 ATTESTATION_SCHEMA_VERSION)
ATTESTATION = Document("attestation", None, AttestationStatement, ATTESTATION_SCHEMA_VERSION)

# The current version of each document: what new evidence is written in.
CURRENT_DOCUMENTS = (RUN_MANIFEST, EVAL_SUMMARY, PREDICTION, EVIDENCE_LOCK,
                     ATTESTATION_PREDICATE, ATTESTATION)
# Every version of every document this evidence reads (each has its schema in schemas/).
DOCUMENTS = (RUN_MANIFEST_V1, *CURRENT_DOCUMENTS)
# In the order fill writes them: the manifest lists the others' digests, so it goes last.
STATED_DOCUMENTS = {document.name: document for document in (EVAL_SUMMARY, RUN_MANIFEST)}
# A run written now is in exactly these versions (`run_schema_versions` gives those of a run
# whose manifest is in an older one).
RUN_SCHEMA_VERSIONS = {document.name: document.version for document in CURRENT_DOCUMENTS
                       if document.in_run}

_VERSION = re.compile(r"^([0-9]{1,6})\.([0-9]{1,6})$")


def versions_of(name: str) -> tuple[Document, ...]:
    """Every version of the document this evidence reads, oldest first."""
    return tuple(sorted((document for document in DOCUMENTS if document.name == name),
                        key=lambda document: _order(document.version) or (0, 0)))


def version_of(name: str, version: object) -> Document | None:
    """The document `name` in `version`, or None when this evidence does not read it."""
    return next((document for document in versions_of(name) if document.version == version),
                None)


def _order(version: object) -> tuple[int, int] | None:
    """A version "MAJOR.MINOR" as numbers to compare, or None when it is not one."""
    matched = _VERSION.match(version) if isinstance(version, str) else None
    return (int(matched[1]), int(matched[2])) if matched else None


def is_newer(version: object, known: tuple[str, ...]) -> bool:
    """Whether `version` is a well-formed version later than every one in `known`: a document
    a newer evidence wrote, which this one cannot read."""
    given = _order(version)
    orders = [order for order in map(_order, known) if order is not None]
    return given is not None and bool(orders) and given > max(orders)


def is_later(name: str, version: object, than: object) -> bool:
    """Whether `version` and `than` are both versions of the document `name` this evidence
    reads, `version` the later: a document migrated from what `than` describes."""
    known = [document.version for document in versions_of(name)]
    return version in known and than in known and known.index(version) > known.index(than)


def run_schema_versions(manifest_version: str) -> dict[str, str]:
    """The versions of a run whose manifest is in `manifest_version` (the other documents of a
    run have one version each)."""
    return {**RUN_SCHEMA_VERSIONS, RUN_MANIFEST.name: manifest_version}


def reads_run_versions(versions: dict[str, str]) -> bool:
    """Whether a run written in these versions (a lock's) is one this evidence reads."""
    return versions.keys() == RUN_SCHEMA_VERSIONS.keys() and all(
        version_of(name, version) is not None for name, version in versions.items())


def all_documents() -> tuple[Document, ...]:
    """DOCUMENTS, and those about more than one run: the comparison `evidence compare --out`
    writes. Those load on demand, so that `evidence validate` (which reads this registry for the
    line protocol) imports nothing of the comparison."""
    from evidence.models.comparison import COMPARISON_SCHEMA_VERSION, Comparison

    return (*DOCUMENTS, Document("comparison", None, Comparison, COMPARISON_SCHEMA_VERSION))
