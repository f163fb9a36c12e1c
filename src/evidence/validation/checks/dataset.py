"""The data set anchors the predictions, when it is known: one the trainer ships (evidence keeps
a copy of what it needs, `known_datasets.py`), or a file given with `--dataset PATH`
(read by validation/dataset_file.py, as the trainer reads it).

The predictions must cover exactly its eval split (no missing, no extra ids), each row must
repeat the data set's reference answer, section, category and difficulty, and the manifest's
data set digest and item counts must be the data set's. Memory is bounded by the data set,
never by predictions.jsonl: the data set is held as 8-byte digests per id, the predictions are
streamed, and only the first few differences are kept to be named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from evidence.findings import Code, Finding
from evidence.models.dataset import DatasetRef
from evidence.models.manifest import MANIFEST_FILE
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.validation.predictions.reader import OVERLONG, numbered_lines

if TYPE_CHECKING:  # the file reader loads only with --dataset; the plain path needs none of it
    from evidence.models.dataset_file import DatasetRow

# How many differences of each kind are named; the rest are counted.
MAX_NAMED = 10
ROW_FIELDS = ("section", "category", "difficulty", "answer")
# A prediction row's field for each data set field.
PREDICTION_FIELD = {"section": "section", "category": "category", "difficulty": "difficulty",
                    "answer": "reference_answer"}

# (id, section, category, difficulty, answer)
EvalRow = tuple[str, str, str, str, str]


def _digest(*parts: str) -> int:
    """A 64-bit digest of the parts, to hold a data set compactly. Python's own string hash:
    fast, and stable within the one process that builds and compares the digests."""
    return hash(parts)


@dataclass
class KnownDataset:
    """A data set as the check needs it: its identity, and its eval split as digests."""

    source: str
    sha256: str
    train_items: int
    rows: Callable[[], Iterator[EvalRow]]  # the eval split again, to name differences
    eval_digests: dict[int, int] = field(default_factory=dict)  # id digest -> fields digest

    @classmethod
    def of(cls, source: str, sha256: str, train_items: int,
           rows: Callable[[], Iterator[EvalRow]]) -> KnownDataset:
        known = cls(source, sha256, train_items, rows)
        for row in rows():
            known.eval_digests[_digest(row[0])] = _digest(*row[1:])
        return known


def shipped_dataset(name: str, version: str) -> KnownDataset | None:
    """The shipped data set of that name and version, if evidence knows it."""
    from evidence.validation.checks.known_datasets import KNOWN_DATASETS

    known = KNOWN_DATASETS.get((name, version))
    if known is None:
        return None
    sha256, train_items, eval_rows = known
    return KnownDataset.of(f"the shipped data set {name} {version}", sha256, train_items,
                           lambda: iter(eval_rows))


def _eval_row(row: DatasetRow) -> EvalRow:
    return row.id, row.section, row.category, row.difficulty, row.answer


def read_dataset_file(given: Path) -> KnownDataset:
    """A data set file (or a directory holding one), as the check needs it: its digest and
    counts, and its eval split held as digests. The file is read once; only when predictions
    differ from it is it read again, to name the differences."""
    from evidence.validation.dataset_file import read_row, scan_dataset_file

    eval_digests: dict[int, int] = {}

    def keep(row: DatasetRow) -> None:
        if row.split == "eval":
            eval_digests[_digest(row.id)] = _digest(*_eval_row(row)[1:])

    facts = scan_dataset_file(given, keep)

    def rows() -> Iterator[EvalRow]:
        for _, line in numbered_lines(facts.path):
            row = None if line is OVERLONG or not line.strip() else read_row(line)[0]
            if row is not None and row.split == "eval":
                yield _eval_row(row)

    return KnownDataset(f"the data set {facts.path}", facts.sha256, facts.train_items, rows,
                        eval_digests)


def _identity(known: KnownDataset, dataset: DatasetRef) -> list[Finding]:
    pairs = (("sha256", known.sha256, dataset.sha256),
             ("eval_items", len(known.eval_digests), dataset.eval_items),
             ("train_items", known.train_items, dataset.train_items))
    return [Finding(MANIFEST_FILE, Code.DATASET_IDENTITY_MISMATCH,
                    f"dataset.{name} is {ours!r}, but {known.source} has {theirs!r}",
                    f"/dataset/{name}")
            for name, theirs, ours in pairs if theirs != ours]


@dataclass
class _Coverage:
    seen: set[int] = field(default_factory=set)
    extra: int = 0
    extra_named: list[tuple[str, int]] = field(default_factory=list)
    differing: int = 0
    differing_named: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)


def _prediction_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) of every row that reads as an object; the predictions check names the rest."""
    for number, line in numbered_lines(path):
        if line is OVERLONG or not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("item_id"), str):
            yield number, row


def _cover(known: KnownDataset, path: Path) -> _Coverage:
    found = _Coverage()
    for number, row in _prediction_rows(path):
        key = _digest(row["item_id"])
        expected = known.eval_digests.get(key)
        if expected is None:
            found.extra += 1
            if len(found.extra_named) < MAX_NAMED:
                found.extra_named.append((row["item_id"], number))
            continue
        found.seen.add(key)
        fields = [row.get(PREDICTION_FIELD[name]) for name in ROW_FIELDS]
        strings = [value for value in fields if isinstance(value, str)]
        if len(strings) != len(fields) or _digest(*strings) != expected:
            found.differing += 1
            if len(found.differing_named) < MAX_NAMED:
                found.differing_named.append((row["item_id"], number, row))
    return found


def _named_differences(known: KnownDataset, found: _Coverage) -> list[Finding]:
    absent = len(known.eval_digests) - len(found.seen)
    if not absent and not found.differing_named:
        return []
    wanted = {item_id: (number, row) for item_id, number, row in found.differing_named}
    missing: list[str] = []
    findings: list[Finding] = []
    for item_id, *values in known.rows():
        if _digest(item_id) not in found.seen and len(missing) < MAX_NAMED:
            missing.append(item_id)
        if item_id in wanted:
            number, row = wanted[item_id]
            for name, value in zip(ROW_FIELDS, values, strict=True):
                at = PREDICTION_FIELD[name]
                if row.get(at) != value:
                    findings.append(Finding(PREDICTIONS_FILE, Code.DATASET_ITEM_MISMATCH,
                                            f"item {item_id!r}: {at} is {row.get(at)!r}, but "
                                            f"{known.source} has {value!r}", f"/{at}", number))
    if found.differing > len(found.differing_named):
        findings.append(Finding(PREDICTIONS_FILE, Code.DATASET_ITEM_MISMATCH,
                                f"... and {found.differing - len(found.differing_named)} more "
                                f"rows that differ from {known.source}"))
    if absent:
        more = f" and {absent - len(missing)} more" if absent > len(missing) else ""
        findings.append(Finding(PREDICTIONS_FILE, Code.DATASET_COVERAGE_MISMATCH,
                                f"{absent} items of the eval split of {known.source} have no "
                                f"prediction row: {', '.join(map(repr, missing))}{more}"))
    return findings


def check_dataset(known: KnownDataset, dataset: DatasetRef | None,
                  predictions: Path) -> list[Finding]:
    """The manifest's data set is `known`, and the predictions cover exactly its eval split,
    each row with the data set's reference answer, section, category and difficulty."""
    findings = _identity(known, dataset) if dataset is not None else []
    if predictions.is_symlink() or not predictions.is_file():
        return findings
    found = _cover(known, predictions)
    for item_id, number in found.extra_named:
        findings.append(Finding(PREDICTIONS_FILE, Code.DATASET_COVERAGE_MISMATCH,
                                f"item {item_id!r} is not in the eval split of {known.source}",
                                "/item_id", number))
    if found.extra > len(found.extra_named):
        findings.append(Finding(PREDICTIONS_FILE, Code.DATASET_COVERAGE_MISMATCH,
                                f"... and {found.extra - len(found.extra_named)} more rows whose "
                                f"item is not in the eval split of {known.source}"))
    return findings + _named_differences(known, found)
