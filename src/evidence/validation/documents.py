"""Reading one evidence document: strict JSON, schema version, placeholders, then the model.

Every problem becomes a `Finding` with the document's file name and a JSON pointer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from evidence.findings import Code, Finding
from evidence.io.pointer import pointer
from evidence.io.pydantic_errors import pydantic_findings
from evidence.io.run_files import not_regular_reason, open_regular
from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
from evidence.models.manifest import MANIFEST_FILE, RunManifestBase
from evidence.models.types import is_placeholder
from evidence.registry import RUN_MANIFEST, Document, is_newer, versions_of

M = TypeVar("M", bound=BaseModel)

@dataclass
class LoadedDocument(Generic[M]):
    """What reading a document gave: the model if it is valid, the raw object if it parsed."""

    file: str
    model: M | None = None
    raw: dict[str, Any] | None = None
    placeholders: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def unreadable_file(path: Path, file: str) -> Finding | None:
    """Why the evidence file at `path` cannot be read, as a finding naming what is there (a
    FIFO, a device, a dangling symlink, a directory), or None when it is a regular file. Looks
    without opening anything, so a FIFO never blocks."""
    try:
        kind = not_regular_reason(path)
    except FileNotFoundError:
        return Finding(file, Code.FILE_MISSING, f"{file} is missing from the run directory")
    except OSError as error:
        return Finding(file, Code.FILE_UNREADABLE, f"cannot read {file}: {error.strerror}")
    if kind is None:
        return None
    return Finding(file, Code.FILE_UNREADABLE,
                   f"{file} is {kind}, not a regular file; replace it with the file itself")


def read_file_bytes(path: Path, file: str, max_bytes: int) -> tuple[bytes | None, list[Finding]]:
    """Read a whole evidence file, or say why it cannot be read."""
    problem = unreadable_file(path, file)
    if problem is not None:
        return None, [problem]
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                return None, [Finding(file, Code.FILE_TOO_LARGE,
                                      f"{size} bytes is over the {max_bytes}-byte limit")]
            data = handle.read(size + 1)  # not max_bytes: read(n) sets n bytes aside
    except OSError as error:
        return None, [Finding(file, Code.FILE_UNREADABLE,
                              f"cannot read {file}: {error.strerror or error}")]
    if len(data) > size:  # it grew while being read; read again when it is finished
        return None, [Finding(file, Code.FILE_UNREADABLE, f"{file} changed while being read")]
    return data, []


def placeholder_pointers(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[str]:
    """Every place in a parsed document that still holds a template placeholder."""
    if is_placeholder(value):
        yield pointer(*path)
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from placeholder_pointers(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from placeholder_pointers(child, (*path, index))


def version_finding(file: str, version: object, known: tuple[str, ...]) -> Finding:
    """Why a document in `version` is not read: a version newer than every known one (a newer
    evidence wrote it: upgrade), or one this evidence never had."""
    reads = " or ".join(repr(each) for each in known)
    if is_newer(version, known):
        return Finding(file, Code.SCHEMA_VERSION_UNSUPPORTED,
                       f"{file} is schema_version {version!r}, newer than this evidence reads "
                       f"({', '.join(known)}); upgrade evidence to a release that reads "
                       f"{version!r}, then check again", "/schema_version")
    return Finding(file, Code.SCHEMA_VERSION,
                   f"schema_version is {version!r}; this evidence reads {reads}",
                   "/schema_version")


def _parsed(file: str, data: bytes, max_bytes: int) -> LoadedDocument[Any]:
    loaded: LoadedDocument[Any] = LoadedDocument(file)
    try:
        loaded.raw = loads_strict(data, max_bytes=max_bytes)
    except StrictJsonError as error:
        loaded.findings.append(Finding(file, error.code, error.message, error.pointer, error.line))
    return loaded


def _validated(loaded: LoadedDocument[M], data: bytes, model: type[M],
               allow_template: bool) -> LoadedDocument[M]:
    assert loaded.raw is not None
    loaded.placeholders = list(placeholder_pointers(loaded.raw))
    if not allow_template and loaded.placeholders:
        from evidence.filling.options import fill_hint

        loaded.findings.extend(
            Finding(loaded.file, Code.TEMPLATE_UNFILLED,
                    f"placeholder not filled yet; {fill_hint([at])}", at)
            for at in loaded.placeholders)
    try:
        loaded.model = model.model_validate_json(data)
    except ValidationError as error:
        loaded.findings.extend(pydantic_findings(loaded.file, loaded.raw, error))
    return loaded


def parse_document(file: str, data: bytes, model: type[M], schema_version: str,
                   allow_template: bool,
                   max_bytes: int = MAX_DOCUMENT_BYTES) -> LoadedDocument[M]:
    """A document of one version, `schema_version`, read by `model`."""
    loaded: LoadedDocument[M] = _parsed(file, data, max_bytes)
    if loaded.raw is None:
        return loaded
    version = loaded.raw.get("schema_version")
    if version != schema_version:
        loaded.findings.append(version_finding(file, version, (schema_version,)))
        return loaded
    return _validated(loaded, data, model, allow_template)


def parse_versioned(file: str, data: bytes, versions: tuple[Document, ...], base: type[M],
                    allow_template: bool,
                    max_bytes: int = MAX_DOCUMENT_BYTES) -> LoadedDocument[M]:
    """A document that has several versions, read by the model of the version it names (each
    a subclass of `base`, so the caller gets a `base` whatever the version)."""
    loaded: LoadedDocument[M] = _parsed(file, data, max_bytes)
    if loaded.raw is None:
        return loaded
    version = loaded.raw.get("schema_version")
    chosen = next((document for document in versions if document.version == version), None)
    if chosen is None:
        loaded.findings.append(version_finding(
            file, version, tuple(document.version for document in versions)))
        return loaded
    if not issubclass(chosen.model, base):
        raise TypeError(f"{chosen.model.__name__} is not a {base.__name__}")
    return _validated(loaded, data, chosen.model, allow_template)


def load_document(run_dir: Path, file: str, model: type[M], schema_version: str,
                  allow_template: bool) -> LoadedDocument[M]:
    data, findings = read_file_bytes(run_dir / file, file, MAX_DOCUMENT_BYTES)
    if data is None:
        return LoadedDocument(file, findings=findings)
    return parse_document(file, data, model, schema_version, allow_template)


def load_versioned(run_dir: Path, file: str, versions: tuple[Document, ...], base: type[M],
                   allow_template: bool) -> LoadedDocument[M]:
    data, findings = read_file_bytes(run_dir / file, file, MAX_DOCUMENT_BYTES)
    if data is None:
        return LoadedDocument(file, findings=findings)
    return parse_versioned(file, data, versions, base, allow_template)


def load_manifest(run_dir: Path, allow_template: bool) -> LoadedDocument[RunManifestBase]:
    """The run's manifest, in whichever version it is written (1.0 or 2.0)."""
    return load_versioned(run_dir, MANIFEST_FILE, versions_of(RUN_MANIFEST.name),
                          RunManifestBase, allow_template)
