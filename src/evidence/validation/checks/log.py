"""Where the recorded console log states a manifest field, the manifest agrees with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence.findings import Code, Finding
from evidence.logs import LogError, scan_evidence
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.registry import LOG_FILE
from evidence.validation.checks.identity import both_real


def _stated_in_log(log: Path) -> tuple[dict[str, Any], list[Finding]]:
    stated: dict[str, Any] = {}
    try:
        for line in scan_evidence(log):  # any log form: Kaggle's JSON, plain text, a notebook
            if line.evidence.doc == "run_manifest":
                stated[line.evidence.pointer] = line.evidence.value
    except LogError as error:
        return stated, [Finding(LOG_FILE, Code.KAGGLE_LOG_MISMATCH, error.message,
                                line=error.line)]
    return stated, []


def check_log_agreement(run_dir: Path, manifest: RunManifest) -> list[Finding]:
    """Where the console log states a manifest field (run id, Kaggle fields), they agree."""
    log = run_dir / LOG_FILE
    if not log.is_file():
        return []
    stated, findings = _stated_in_log(log)
    recorded: dict[str, Any] = {"/run_id": manifest.run_id}
    recorded.update({f"/kaggle/{key}": value for key, value in manifest.kaggle})
    for at, value in recorded.items():
        if at in stated and both_real(value, stated[at]) and stated[at] != value:
            findings.append(Finding(MANIFEST_FILE, Code.KAGGLE_LOG_MISMATCH,
                                    f"the log says {stated[at]!r}, the manifest {value!r}", at))
    return findings
