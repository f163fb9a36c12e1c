"""`evidence validate --comparison FILE BASELINE CANDIDATE`: does a saved comparison still hold?

A comparison records its options and both runs' predictions digests, and every number in it
follows from those (the bootstrap is seeded). So it is checked by comparing the two runs again
with its own options and holding every value of the file to the new one: a changed run, an
edited figure or a swapped baseline each shows as the pointer where they part.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence.compare.build import CompareOptions
from evidence.compare.run import compare_paths
from evidence.findings import Code, Finding
from evidence.io.digest import ProgressStart
from evidence.io.pointer import pointer
from evidence.models.comparison import COMPARISON_SCHEMA_VERSION, Comparison
from evidence.result import CommandResult, RunResult
from evidence.validation.documents import parse_document, read_file_bytes

# A comparison lists every flipped item with both responses: larger than a run's documents.
MAX_COMPARISON_BYTES = 1024**3
# Differences named before the rest are counted.
NAMED = 10


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def differences(saved: Any, now: Any, at: tuple[str | int, ...] = ()) -> Iterator[
        tuple[str, Any, Any]]:
    """(pointer, saved value, value now) of every leaf where the two JSON values differ, in
    document order."""
    if isinstance(saved, dict) and isinstance(now, dict):
        for key in [*saved, *(key for key in now if key not in saved)]:
            yield from differences(saved.get(key), now.get(key), (*at, key))
    elif isinstance(saved, list) and isinstance(now, list) and len(saved) == len(now):
        for index, (left, right) in enumerate(zip(saved, now, strict=True)):
            yield from differences(left, right, (*at, index))
    elif saved != now or type(saved) is not type(now):
        yield pointer(*at), saved, now


def _mismatches(file: str, saved: dict[str, Any], now: dict[str, Any]) -> list[Finding]:
    found = list(differences(saved, now))
    findings = [Finding(file, Code.COMPARISON_MISMATCH,
                        f"the file says {_short(then)}; comparing the runs now gives "
                        f"{_short(value)}", at) for at, then, value in found[:NAMED]]
    if len(found) > NAMED:
        findings.append(Finding(file, Code.COMPARISON_MISMATCH,
                                f"... and {len(found) - NAMED} more values that differ"))
    return findings


def check_comparison(document: Path, baseline: Path, candidate: Path, *,
                     allow_template: bool = False,
                     progress: ProgressStart | None = None) -> CommandResult:
    """The two runs' findings, and the comparison file's: its own (strict JSON, the model),
    then every value that comparing the runs again does not give."""
    file = str(document)
    data, findings = read_file_bytes(document, file, MAX_COMPARISON_BYTES)
    # No field of a comparison is fillable; "<FILL: x>" in a response is only text.
    loaded = parse_document(file, data, Comparison, COMPARISON_SCHEMA_VERSION,
                            allow_template=True, max_bytes=MAX_COMPARISON_BYTES) \
        if data is not None else None
    if loaded is None or loaded.model is None or loaded.findings:
        return CommandResult("validate", [RunResult(file, findings + (
            loaded.findings if loaded is not None else []))])
    saved = loaded.model
    parameters = saved.parameters
    options = CompareOptions(alpha=parameters.alpha, min_delta=parameters.min_delta,
                             resamples=parameters.resamples, seed=parameters.seed,
                             allow_template=allow_template)
    outcome = compare_paths(baseline, candidate, options, progress)
    subject = RunResult(file)
    if outcome.result:
        subject.findings = _mismatches(file, saved.model_dump(mode="json"), outcome.result)
    else:
        subject.findings = [Finding(file, Code.COMPARISON_MISMATCH,
                                    "the two runs cannot be compared now (their findings are "
                                    "above), so this comparison of them does not hold")]
    return CommandResult("validate", [*outcome.runs, subject],
                         result={"runs": [run.to_json() for run in [*outcome.runs, subject]]})
