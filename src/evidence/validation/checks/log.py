"""The recorded console log anchors the documents: every field kaggle_output_log.txt states in an
evidence line (the trainer states every field of both documents) must be what the documents
hold, and a run whose Kaggle fields are filled must carry that log.

The same comparison serves Kaggle's own copy of the log (`checks/kaggle_log.py`): `Stated` is
what one log says, `contradictions` what the documents hold otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from evidence.findings import Code, Finding
from evidence.io.digest import FileDigest, HashingReader, ProgressStart
from evidence.io.pointer import escape_pointer_token, pointer_tokens
from evidence.logs import LogError, StatedLine, open_log, scan_open_log
from evidence.models.manifest import RunManifestBase
from evidence.models.types import is_placeholder
from evidence.registry import LOG_FILE, LOG_PLACEHOLDER_START, STATED_DOCUMENTS, is_later

# How the template marks its log as not yet recorded (`evidence init`, evidence.filling).
# Past this many differences with one log, more would not help anyone.
MAX_DIFFERENCES = 50
ARTIFACTS = "/artifacts"


class _Missing:
    def __repr__(self) -> str:
        return "(not there)"


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Stated:
    """What a log states one field holds, and where it says so."""

    value: Any
    line: int | None
    where: str


# (document name, pointer) -> what the log states there
StatedFields = dict[tuple[str, str], Stated]


def json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values: numbers by value (1 and 1.0 are one JSON number), but true is not
    1; objects whatever their key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def shown(value: Any, width: int = 80) -> str:
    """A value as JSON on one line, cut to a readable width."""
    if value is MISSING:
        return "nothing"
    text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    return text if len(text) <= width else text[:width - 1] + "..."


def collect_stated(lines: Iterable[StatedLine], file: str) -> tuple[StatedFields, list[Finding]]:
    """One statement per field (a placeholder gives way to a real value); a field stated twice
    with two values is a finding: a log holds one run. LogError passes through."""
    stated: StatedFields = {}
    findings: list[Finding] = []
    for line in lines:
        key = (line.evidence.doc, line.evidence.pointer)
        value = line.evidence.value
        earlier = stated.get(key)
        if earlier is None or is_placeholder(earlier.value):
            stated[key] = Stated(value, line.at.line, line.at.where)
        elif not is_placeholder(value) and not json_equal(earlier.value, value) \
                and len(findings) < MAX_DIFFERENCES:
            findings.append(Finding(file, Code.LOG_CONTRADICTION,
                                    f"{key[0]} {key[1]}: {earlier.where} states "
                                    f"{shown(earlier.value)}, {line.at.where} states "
                                    f"{shown(value)}; a log holds one run", line=line.at.line))
    return stated, findings


@dataclass
class RecordedLog:
    """What the run's kaggle_output_log.txt is, and what it states."""

    state: str  # "missing", "placeholder", "not a regular file", "unreadable" or "read"
    stated: StatedFields = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # The SHA-256 and size of the bytes that were read, for the artifact check.
    digest: FileDigest | None = None


def _read_open(handle: HashingReader) -> RecordedLog:
    # The template's stand-in, told from the log's first bytes (as registry.is_log_placeholder
    # tells it), read through the same handle: the file is read once, and hashed as it is.
    if handle.read(len(LOG_PLACEHOLDER_START)) == LOG_PLACEHOLDER_START:
        return RecordedLog("placeholder")
    handle.seek(0)
    try:
        stated, findings = collect_stated(scan_open_log(cast(BinaryIO, handle), LOG_FILE),
                                          LOG_FILE)
    except LogError as error:  # any log form: Kaggle's JSON, plain text, a notebook
        return RecordedLog("read", findings=[Finding(LOG_FILE, Code.KAGGLE_LOG_MISMATCH,
                                                     error.message, line=error.line)])
    return RecordedLog("read", stated, findings)


def read_recorded_log(run_dir: Path, progress: ProgressStart | None = None) -> RecordedLog:
    """The run's log, read once: its evidence lines, and its digest (`progress` follows it)."""
    path = run_dir / LOG_FILE
    try:
        if not path.exists() and not path.is_symlink():
            return RecordedLog("missing")
        if not path.is_file():  # never opened: a FIFO would block, a directory cannot be read
            return RecordedLog("not a regular file")
        with open_log(path) as raw:
            size = os.fstat(raw.fileno()).st_size
            handle = HashingReader(raw, progress(LOG_FILE, size) if progress else None)
            recorded = _read_open(handle)
            recorded.digest = handle.finish()
            return recorded
    except LogError as error:  # the log could not be opened (open_log says why)
        return RecordedLog("read", findings=[Finding(LOG_FILE, Code.KAGGLE_LOG_MISMATCH,
                                                     error.message, line=error.line)])
    except OSError as error:
        return RecordedLog("unreadable", findings=[Finding(
            LOG_FILE, Code.FILE_UNREADABLE, f"cannot read {LOG_FILE}: {error.strerror}")])


def _at(document: Any, at: str) -> Any:
    node = document
    for token in pointer_tokens(at):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


def _by_path(items: Any) -> dict[str, tuple[int, Any]] | None:
    """An artifact list as path -> (index, entry), less the log's own entry: the log cannot
    state its own digest, and fill adds it after the run. None if it is no such list."""
    if not isinstance(items, list) or not all(isinstance(item, dict) and
                                              isinstance(item.get("path"), str)
                                              for item in items):
        return None
    return {item["path"]: (index, item) for index, item in enumerate(items)
            if item["path"] != LOG_FILE}


Difference = tuple[str, Any, Any]  # (pointer, the document's value, the log's value)


def _differences(ours: Any, theirs: Any, at: str, out: list[Difference]) -> None:
    if is_placeholder(ours) or is_placeholder(theirs) or json_equal(ours, theirs):
        return
    if at == ARTIFACTS and (mine := _by_path(ours)) is not None \
            and (stated := _by_path(theirs)) is not None:
        for path, (index, entry) in mine.items():
            other = stated.get(path, (0, MISSING))[1]
            if other is MISSING:
                out.append((f"{at}/{index}", entry, MISSING))
            else:
                _differences(entry, other, f"{at}/{index}", out)
        out += [(at, MISSING, entry) for path, (_, entry) in stated.items() if path not in mine]
        return
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in [*ours, *(key for key in theirs if key not in ours)]:
            _differences(ours.get(key, MISSING), theirs.get(key, MISSING),
                         f"{at}/{escape_pointer_token(key)}", out)
        return
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (mine_item, their_item) in enumerate(zip(ours, theirs, strict=True)):
            _differences(mine_item, their_item, f"{at}/{index}", out)
        return
    out.append((at, ours, theirs))


def _migrated_since(doc: str, at: str, document: Any, said: Stated) -> bool:
    """The log states the version the trainer wrote (1.0), the document is a later one that
    `evidence migrate` made of it: a migration keeps every field the log states, so those are
    still compared; only the version itself differs, as it should."""
    return at == "/schema_version" and isinstance(document, dict) and \
        is_later(doc, document.get("schema_version"), said.value)


def contradictions(stated: StatedFields, documents: dict[str, Any], *, code: Code,
                   log_name: str, why: str) -> list[Finding]:
    """Every field a log states that a document (as JSON, by document name) holds otherwise,
    placeholders on either side skipped; each finding names the document's field and value,
    the log's value and the log's line. Documents that did not load are left out."""
    findings: list[Finding] = []
    dropped = 0
    for (doc, at), said in stated.items():
        document = documents.get(doc)
        if document is None or _migrated_since(doc, at, document, said):
            continue
        file = STATED_DOCUMENTS[doc].run_file
        found: list[Difference] = []
        _differences(_at(document, at), said.value, at, found)
        for where, ours, theirs in found:
            if len(findings) >= MAX_DIFFERENCES:
                dropped += 1
                continue
            findings.append(Finding(file, code, f"{where} holds {shown(ours)}, but {log_name} "
                                    f"({said.where}) states {shown(theirs)}; {why}", where,
                                    said.line))
    if dropped:
        findings.append(Finding(findings[-1].file, code, f"... and {dropped} more fields that "
                                f"contradict {log_name}"))
    return findings


def kaggle_filled(manifest: RunManifestBase) -> bool:
    return any(not is_placeholder(value) for _, value in manifest.kaggle)


def check_log_agreement(log: RecordedLog, documents: dict[str, Any],
                        manifest: RunManifestBase | None) -> list[Finding]:
    """Every field the recorded log states, the documents hold (any log form: Kaggle's JSON,
    plain text, a notebook); and a run with its Kaggle fields filled carries its log."""
    findings = list(log.findings)
    findings += contradictions(
        log.stated, documents, code=Code.KAGGLE_LOG_MISMATCH, log_name=LOG_FILE,
        why="the log is what the trainer printed, so the document changed after the run (or "
            "the log is another run's)")
    if manifest is not None and kaggle_filled(manifest) and not log.stated \
            and log.state != "unreadable" and not log.findings:
        what = {"missing": f"the run has no {LOG_FILE}",
                "placeholder": f"{LOG_FILE} is still the template's placeholder",
                "not a regular file": f"{LOG_FILE} is not a regular file"}.get(
                    log.state, f"{LOG_FILE} states no evidence (no `@evidence/1` line)")
        findings.append(Finding(LOG_FILE, Code.KAGGLE_LOG_MISSING,
                                f"the Kaggle fields are filled, but {what}: a run from Kaggle "
                                "carries the console log it printed; record it with "
                                "`evidence fill --from-log LOG RUN_DIR`"))
    return findings
