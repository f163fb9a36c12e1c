"""Which version of each document a fill works in: the template's, and what to do when the log
states another.

The template decides: its documents are read and written in the version they name. A log the
trainer printed for an earlier version (a 1.0 log, into a template `evidence migrate` made 2.0)
fills every field it states, and its stated version is left out; the fields 2.0 added stay
placeholders. A log of a later version than the template (a 2.0 log into a 1.0 template) is
refused whole, with what to do: migrate the template first. A version newer than this evidence
reads, in either, is refused: upgrade evidence.
"""

from __future__ import annotations

from typing import Any

from evidence.filling.statements import FillError, Statement
from evidence.findings import Code, Finding
from evidence.registry import Document, is_later, version_of, versions_of
from evidence.validation.documents import version_finding

VERSION = "/schema_version"


def template_document(raw: dict[str, Any], current: Document) -> Document:
    """The document (model and version) the template's `raw` is written in."""
    version = raw.get("schema_version")
    found = version_of(current.name, version)
    if found is None:
        known = tuple(document.version for document in versions_of(current.name))
        finding = version_finding(current.run_file, version, known)
        raise FillError([Finding(finding.file, finding.code,
                                 f"{finding.message}; the template cannot be filled",
                                 finding.pointer)])
    return found


def in_template_versions(stated: dict[tuple[str, str], Statement],
                         targets: dict[str, Document]) -> None:
    """Drop a stated version earlier than the template's; refuse one that is later."""
    for doc, target in targets.items():
        statement = stated.get((doc, VERSION))
        if statement is None or statement.value == target.version:
            continue
        if is_later(doc, target.version, statement.value):
            del stated[(doc, VERSION)]
            continue
        known = tuple(document.version for document in versions_of(doc))
        if is_later(doc, statement.value, target.version):
            raise FillError([Finding(
                target.run_file, Code.SCHEMA_VERSION,
                f"the log ({statement.source}) states a {doc} of schema_version "
                f"{statement.value!r}, the template is {target.version!r}: run `evidence "
                f"migrate RUN_DIR` to upgrade the template, then fill it", VERSION)])
        finding = version_finding(target.run_file, statement.value, known)
        if finding.code is Code.SCHEMA_VERSION_UNSUPPORTED:
            raise FillError([Finding(finding.file, finding.code,
                                     f"the log ({statement.source}) states: {finding.message}",
                                     VERSION)])
