"""Reading a data set file (JSONL): for `evidence validate --dataset PATH` and for the trainer's
loader (`--dataset PATH`) alike, so both accept exactly the same files.

The file is read once, in order, and hashed as it is read (the digest is of the bytes parsed).
Every line is checked: strict JSON (io/strict_json: invalid UTF-8, duplicate keys, a top level
that is not an object), then the one row model (models/dataset_file.py, with its defaults);
then the file's rules: ids unique, both splits present. Every bad row is named as
FILE:LINE: field: problem (the first MAX_BAD_ROWS, then how many more), in one error. Blank
lines are skipped; a line over MAX_ROW_BYTES is never held in memory. Memory is bounded by the
ids (one entry each); rows go to the caller one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from evidence.io.digest import HashingReader
from evidence.io.pydantic_errors import pydantic_findings
from evidence.io.run_files import open_regular
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.models.dataset_file import DatasetRow
from evidence.validation.predictions.reader import (
    MAX_ROW_BYTES,
    OVERLONG,
    lines_of_blocks,
    read_blocks,
)

# How many bad rows of a data set file are named; the rest are counted.
MAX_BAD_ROWS = 20
ROW_FORMAT_DOC = "docs/TRAINING_MODES.md#your-own-data"

# (the field, None for the whole row; what is wrong with it)
RowProblem = tuple[str | None, str]
_NAME_WORDS = "must be one line of at most 200 characters, without space at either end"
PATTERN_WORDS = {"id": "must be 1 to 128 letters, digits, '.', '_' or '-', the first a letter "
                       "or a digit",
                 "section": _NAME_WORDS, "category": _NAME_WORDS}


class DatasetFileError(Exception):
    """The --dataset file cannot be used: a usage error (exit 2) of validate, and the trainer's
    TrainingError; never a finding."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DatasetFileFacts:
    """A data set file as one read found it: the file (inside the directory given, if one
    was), the SHA-256 of its bytes, and the size of each split."""

    path: Path
    sha256: str
    train_items: int
    eval_items: int


def dataset_file_path(given: Path) -> Path:
    """The JSONL file `given` names: itself, or the one .jsonl file of a directory (a Kaggle
    input directory, /kaggle/input/<slug>/)."""
    if given.is_dir():
        try:
            found = sorted(entry for entry in given.iterdir()
                           if entry.suffix.lower() == ".jsonl" and entry.is_file())
        except OSError as error:
            raise DatasetFileError(f"--dataset {given}: cannot list it: {error.strerror}") from None
        if len(found) == 1:
            return found[0]
        which = "no .jsonl file" if not found else \
            f"{len(found)} .jsonl files ({', '.join(entry.name for entry in found)})"
        raise DatasetFileError(f"--dataset {given}: the directory holds {which}; a data set "
                               "directory holds exactly one: give the file itself")
    if not given.exists():
        raise DatasetFileError(f"--dataset {given}: no such file or directory")
    if not given.is_file():
        raise DatasetFileError(f"--dataset {given}: not a regular file; give a JSONL file")
    return given


def _numbered_lines(handle: HashingReader) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes) of every line, an overlong one as OVERLONG, each byte hashed."""
    return lines_of_blocks(read_blocks(handle))


def _field(at: str | None) -> str | None:
    """The field a JSON pointer into a row names ('/id' -> 'id'), None for the whole row."""
    return (at.removeprefix("/") or None) if at else None


def read_row(line: bytes) -> tuple[DatasetRow | None, list[RowProblem], str | None]:
    """(the row or None, its problems, the split it claims): the split is "train" or "eval" when
    the row names one, "" when it names none, None when the line is not a JSON object."""
    if line is OVERLONG:
        return None, [(None, f"a row of more than {MAX_ROW_BYTES // 2**20} MiB; a data set row "
                             "is one item")], None
    try:
        raw = loads_strict(line, max_bytes=MAX_ROW_BYTES)
    except StrictJsonError as error:
        return None, [(_field(error.pointer), error.message)], None
    claimed = raw["split"] if raw.get("split") in ("train", "eval") else ""
    try:
        return DatasetRow.model_validate(raw), [], claimed
    except ValidationError as error:
        found = [(_field(finding.pointer), finding.message)
                 for finding in pydantic_findings("", raw, error)]
        return None, [(name, _pattern_words(name, text)) for name, text in found], claimed


def _pattern_words(name: str | None, message: str) -> str:
    """A pattern the field did not match, said in words (the pattern itself is unreadable)."""
    if not message.startswith("String should match pattern") or name not in PATTERN_WORDS:
        return message
    return PATTERN_WORDS[name]


@dataclass
class _Scan:
    """What one pass over a data set file found: its counts, and its bad rows (the first
    MAX_BAD_ROWS named, the rest counted)."""

    file: str
    first_line: dict[str, int] = field(default_factory=dict)  # id -> the line it is on
    splits: dict[str, int] = field(default_factory=lambda: {"train": 0, "eval": 0})
    claimed: set[str] = field(default_factory=set)  # the splits rows name, bad rows' too
    unread: int = 0  # rows that are not JSON objects: which split they meant is unknown
    bad_rows: int = 0
    named: list[str] = field(default_factory=list)

    def bad(self, number: int, problems: list[RowProblem]) -> None:
        self.bad_rows += 1
        if self.bad_rows <= MAX_BAD_ROWS:
            self.named += [f"{self.file}:{number}: {name + ': ' if name else ''}{text}"
                           for name, text in problems]

    def add(self, number: int, row: DatasetRow) -> bool:
        """Count a row whose own fields are right; False (and a bad row) if its id is taken."""
        first = self.first_line.setdefault(row.id, number)
        if first != number:
            self.bad(number, [("id", f"{row.id!r} is the id of line {first} too; ids are "
                                     "unique")])
            return False
        self.splits[row.split] += 1
        return True

    def error(self, given: Path) -> DatasetFileError | None:
        """Every problem found, as one error; None when the file is a data set."""
        missing = [split for split, rows in self.splits.items()
                   if not rows and split not in self.claimed and not self.unread]
        if not self.bad_rows and len(missing) == 2:
            lines = [f"{self.file}: holds no rows"]
        else:
            lines = [*self.named]
            if self.bad_rows > MAX_BAD_ROWS:
                lines.append(f"... and {self.bad_rows - MAX_BAD_ROWS} more bad rows")
            lines += [f"{self.file}: no {split} rows; a data set needs both splits" for split in
                      missing]
        if not self.bad_rows and not missing:
            return None
        return DatasetFileError("\n".join([f"--dataset {given}: not a data set file; the row "
                                           f"format is in {ROW_FORMAT_DOC}", *lines]))


def scan_dataset_file(given: Path,
                      keep: Callable[[DatasetRow], object] | None = None) -> DatasetFileFacts:
    """Read a data set file once (or the one .jsonl of the directory `given`): every line is
    checked against DatasetRow and the file's rules, and each good row is passed to `keep` in
    order. Raises DatasetFileError naming every bad row by FILE:LINE (the first MAX_BAD_ROWS,
    then how many more), or why the file cannot be read. Blank lines are skipped."""
    path = dataset_file_path(given)
    scan = _Scan(str(path))
    try:
        with HashingReader(open_regular(path, follow=True)) as handle:
            for number, line in _numbered_lines(handle):
                if line is not OVERLONG and not line.strip():
                    continue
                row, problems, claimed = read_row(line)
                if claimed is None:
                    scan.unread += 1
                elif claimed:
                    scan.claimed.add(claimed)
                if row is None:
                    scan.bad(number, problems)
                elif scan.add(number, row) and keep is not None:
                    keep(row)
            digest = handle.finish()
    except OSError as error:
        raise DatasetFileError(f"--dataset {path}: cannot read it: {error.strerror}") from None
    problem = scan.error(given)
    if problem is not None:
        raise problem
    assert digest is not None  # read from its start, so no gap
    return DatasetFileFacts(path, digest.sha256, scan.splits["train"], scan.splits["eval"])


