"""Run id, data set and mode: the same in the manifest and the eval summary."""

from __future__ import annotations

from evidence.findings import Code, Finding
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EvalSummary
from evidence.models.manifest import MANIFEST_FILE, RunManifestBase
from evidence.models.types import is_placeholder


def both_real(a: object, b: object) -> bool:
    return not is_placeholder(a) and not is_placeholder(b)


def check_identity(manifest: RunManifestBase, summary: EvalSummary) -> list[Finding]:
    """Run id, data set and mode must be the same in both documents."""
    findings = []
    pairs = ((Code.RUN_ID_MISMATCH, "run_id"), (Code.DATASET_MISMATCH, "dataset"),
             (Code.MODE_MISMATCH, "mode"))
    for code, name in pairs:
        ours, theirs = getattr(summary, name), getattr(manifest, name)
        if both_real(ours, theirs) and ours != theirs:
            findings.append(Finding(EVAL_SUMMARY_FILE, code,
                                    f"{name} differs from {MANIFEST_FILE}", f"/{name}"))
    return findings
