"""Paired means the same items: one data set, the same item ids, the same references and labels.

Two runs that differ in any of these are not compared at all; the findings name the first
differences, each in the file and on the line where it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence.compare.items import RunItems
from evidence.findings import Code, Finding
from evidence.models.dataset import DatasetRef

# How many differing items a finding names before it counts the rest.
NAMED = 5


@dataclass
class Pairing:
    """`baseline_of[j]`: the baseline's index of the candidate's item j; None when unpaired."""

    baseline_of: list[int] | None = None
    findings: list[Finding] = field(default_factory=list)


def _listed(ids: list[str], total: int) -> str:
    more = f" and {total - len(ids)} more" if total > len(ids) else ""
    return ", ".join(map(repr, ids)) + more


def dataset_differences(baseline: DatasetRef, candidate: DatasetRef,
                        candidate_manifest: str) -> list[Finding]:
    """Another data set, or another version or digest of it. `candidate_manifest` names the
    candidate's manifest in the findings."""
    findings = []
    for name in ("name", "version", "sha256"):
        theirs, ours = getattr(baseline, name), getattr(candidate, name)
        if theirs != ours:
            findings.append(Finding(candidate_manifest,
                                    Code.COMPARISON_DATASET_DIFFERS,
                                    f"the candidate's data set {name} is {ours!r}, the "
                                    f"baseline's {theirs!r}: runs on different data are not "
                                    "paired", f"/dataset/{name}"))
    return findings


def _unmatched(baseline: RunItems, candidate: RunItems) -> list[Finding]:
    missing = [item for item in baseline.ids if item not in candidate.index]
    extra = [item for item in candidate.ids if item not in baseline.index]
    findings = []
    if missing:
        findings.append(Finding(candidate.name, Code.COMPARISON_ITEMS_DIFFER,
                                f"{len(missing)} items of the baseline have no row here: "
                                f"{_listed(missing[:NAMED], len(missing))}"))
    for item in extra[:NAMED]:
        findings.append(Finding(candidate.name, Code.COMPARISON_ITEMS_DIFFER,
                                f"item {item!r} is not in the baseline", "/item_id",
                                candidate.lines[candidate.index[item]]))
    if len(extra) > NAMED:
        findings.append(Finding(candidate.name, Code.COMPARISON_ITEMS_DIFFER,
                                f"... and {len(extra) - NAMED} more items that are not in the "
                                "baseline"))
    return findings


def _changed(baseline: RunItems, candidate: RunItems, baseline_of: list[int]) -> list[Finding]:
    findings: list[Finding] = []
    changed = 0
    for j, i in enumerate(baseline_of):
        if candidate.references[j] == baseline.references[i] and \
                candidate.labels[j] == baseline.labels[i]:
            continue
        changed += 1
        if changed > NAMED:
            continue
        what = "reference_answer" if candidate.references[j] != baseline.references[i] \
            else "section, category or difficulty"
        pointer = "/reference_answer" if what == "reference_answer" else None
        findings.append(Finding(candidate.name, Code.COMPARISON_ITEM_DIFFERS,
                                f"item {candidate.ids[j]!r}: its {what} differs from the "
                                f"baseline's (line {baseline.lines[i]} of {baseline.name})",
                                pointer, candidate.lines[j]))
    if changed > NAMED:
        findings.append(Finding(candidate.name, Code.COMPARISON_ITEM_DIFFERS,
                                f"... and {changed - NAMED} more items that differ from the "
                                "baseline's"))
    return findings


def pair_items(baseline: RunItems, candidate: RunItems) -> Pairing:
    """Each candidate item's baseline twin, or the findings that say why there is none."""
    if len(baseline.ids) != len(candidate.ids) or baseline.index.keys() != \
            candidate.index.keys():
        return Pairing(findings=_unmatched(baseline, candidate))
    baseline_of = [baseline.index[item] for item in candidate.ids]
    changed = _changed(baseline, candidate, baseline_of)
    return Pairing(findings=changed) if changed else Pairing(baseline_of)
