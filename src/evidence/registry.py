"""The evidence documents, each defined once: its name, its file, its model and its version.

Every place that needs "the documents" reads them from here: the line protocol (which documents
the trainer states), fill (which documents a log fills), the lock (which versions a run is
written in), the schema export, and validation. A new document or version is added here.
"""

from __future__ import annotations

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
from evidence.models.manifest import MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, RunManifest
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

DOCUMENTS = (RUN_MANIFEST, EVAL_SUMMARY, PREDICTION, EVIDENCE_LOCK, ATTESTATION_PREDICATE,
             ATTESTATION)
# In the order fill writes them: the manifest lists the others' digests, so it goes last.
STATED_DOCUMENTS = {document.name: document for document in (EVAL_SUMMARY, RUN_MANIFEST)}
# A run that validates is written in exactly these versions.
RUN_SCHEMA_VERSIONS = {document.name: document.version for document in DOCUMENTS
                       if document.in_run}


def all_documents() -> tuple[Document, ...]:
    """DOCUMENTS, and those about more than one run: the comparison `evidence compare --out`
    writes. Those load on demand, so that `evidence validate` (which reads this registry for the
    line protocol) imports nothing of the comparison."""
    from evidence.models.comparison import COMPARISON_SCHEMA_VERSION, Comparison

    return (*DOCUMENTS, Document("comparison", None, Comparison, COMPARISON_SCHEMA_VERSION))
