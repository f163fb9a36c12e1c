"""`evidence migrate RUN_DIR`: the run's manifest upgraded to the current version, in place.

Nothing is written unless the whole result is a valid manifest of the current version (a
template stays a template: placeholders are allowed), and then in one atomic rename, so the run
directory holds the old manifest or the new one, never a part. A manifest already current is
left as it is; one of a version this evidence does not know is refused.

The migrated manifest keeps every value the old one had, so what vouched for the run still
does: the artifact digests (the manifest lists the other files, never itself), the recorded
log's evidence lines (validate knows the log states the version the trainer wrote). Only an
archive or attestation made before the migration holds the old manifest: `notes` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.findings import Finding
from evidence.io.atomic import write_bytes_atomic
from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
from evidence.migrate.steps import Applied, MigrationError, migrate
from evidence.models.manifest import (
    MANIFEST_FILE,
    MANIFEST_SCHEMA_VERSION,
    RunManifest,
    RunManifestBase,
)
from evidence.registry import RUN_MANIFEST, versions_of
from evidence.validation.documents import (
    parse_document,
    parse_versioned,
    placeholder_pointers,
    read_file_bytes,
)


@dataclass
class Migration:
    """What migrating a run gave: the steps applied (none: already current), whether the
    manifest was written, the placeholders the result holds, notes on what else to do, or the
    findings that stopped it (then nothing was written)."""

    run_dir: Path
    source_version: str | None = None
    applied: list[Applied] = field(default_factory=list)
    written: bool = False
    still_missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, Any] | None = None

    @property
    def changes_anything(self) -> bool:
        return bool(self.applied)


def serialise(document: dict[str, Any]) -> bytes:
    """The migrated document as JSON, every value as it was parsed (times keep their zones,
    numbers their values), indented as evidence writes its documents."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _read(path: Path) -> tuple[bytes | None, dict[str, Any] | None, list[Finding]]:
    data, findings = read_file_bytes(path, MANIFEST_FILE, MAX_DOCUMENT_BYTES)
    if data is None:
        return None, None, findings
    try:
        return data, loads_strict(data), []
    except StrictJsonError as error:
        return data, None, [Finding(MANIFEST_FILE, error.code, error.message, error.pointer,
                                    error.line)]


def _invalid_as_it_is(data: bytes) -> list[Finding]:
    """What is wrong with the manifest in its own version (placeholders allowed): a manifest
    that is not valid as what it is would not be valid migrated either."""
    loaded = parse_versioned(MANIFEST_FILE, data, versions_of(RUN_MANIFEST.name),
                             RunManifestBase, allow_template=True)
    return [Finding(f.file, f.code, f"{f.message} (fix the manifest first, then migrate; "
                                    "nothing was written)", f.pointer, f.line)
            for f in loaded.findings]


def _notes(run_dir: Path, document: dict[str, Any], source: str) -> list[str]:
    from evidence.packaging.package import default_archive

    notes = []
    run_id = document.get("run_id")
    if isinstance(run_id, str):
        archive = default_archive(run_dir, run_id)
        if archive.is_file():
            notes.append(f"{archive} was packaged before the migration and holds the "
                         f"{source} manifest: package the run again (`evidence package "
                         f"{run_dir}`), and attest it again if it was attested")
    return notes


def migrate_run(run_dir: Path, *, dry_run: bool = False) -> Migration:
    """Upgrade `run_dir`'s manifest to the current version (with `dry_run`, only say how)."""
    outcome = Migration(run_dir)
    data, raw, outcome.findings = _read(run_dir / MANIFEST_FILE)
    if data is None or raw is None:
        return outcome
    version = raw.get("schema_version")
    outcome.source_version = version if isinstance(version, str) else None
    try:
        migrated, applied = migrate(raw)
    except MigrationError as error:
        outcome.findings = [error.finding]
        return outcome
    if not applied:
        outcome.document = raw
        outcome.still_missing = list(placeholder_pointers(raw))
        return outcome
    outcome.findings = _invalid_as_it_is(data)
    if outcome.findings:
        return outcome
    text = serialise(migrated)
    result = parse_document(MANIFEST_FILE, text, RunManifest, MANIFEST_SCHEMA_VERSION,
                            allow_template=True)
    if result.findings:  # a step made an invalid document: a bug of ours, never written
        outcome.findings = [Finding(f.file, f.code, f"the migrated manifest would not be "
                                    f"valid: {f.message}; nothing was written", f.pointer)
                            for f in result.findings]
        return outcome
    outcome.applied, outcome.document = applied, migrated
    outcome.still_missing = result.placeholders
    if not dry_run:
        write_bytes_atomic(run_dir / MANIFEST_FILE, text)
        outcome.written = True
    outcome.notes = _notes(run_dir, migrated, str(version))
    return outcome
