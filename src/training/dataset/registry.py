"""The data set a run trains on: one the trainer ships, known by name and pinned by the SHA-256 of
its file, or a user's JSONL file (or a directory holding one, such as a Kaggle input directory),
identified by its digest. Both are read by evidence's one data set file reader, so every row
follows the one row rule (evidence.models.dataset_file) and `evidence validate --dataset`
accepts exactly the files the trainer does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from evidence import (
    DatasetFileError,
    DatasetFileFacts,
    DatasetRow,
    Name,
    dataset_file_path,
    file_dataset_name,
    file_dataset_version,
    scan_dataset_file,
    sha256_bytes,
)
from training.dataset.items import ReasoningItem
from training.errors import TrainingError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class DatasetSpec:
    """What names a data set in a run's DatasetRef: name and version, and its file and digest
    (a shipped file by its name in DATA_DIR, a user's by the path it was read from)."""

    name: str
    version: str
    filename: str
    sha256: str


@dataclass(frozen=True)
class DatasetOrigin:
    """Where the data set came from, as run_manifest 2.0's DatasetSource states it (the same
    fields: `DatasetSource(**dataclasses.asdict(dataset.source))`): a shipped data set by name,
    or a file by the path it was read from (given to --dataset; inside the directory given, if
    one was)."""

    kind: Literal["shipped", "file"]
    name: str | None
    path: str | None
    sha256: str


DEV_REASONING_V2 = DatasetSpec(
    name="dev-reasoning-v2",
    version="2.0.0",
    filename="dev-reasoning-v2.jsonl",
    sha256="94453b181ada8116a73e24c4d870b170fc6cae4f81a09caf2e0736b53c12bf32",
)
DATASETS = {spec.name: spec for spec in (DEV_REASONING_V2,)}
_NAME = TypeAdapter(Name)


@dataclass(frozen=True)
class Dataset:
    spec: DatasetSpec
    sha256: str
    items: tuple[ReasoningItem, ...]
    source: DatasetOrigin

    @property
    def train(self) -> list[ReasoningItem]:
        return [item for item in self.items if item.split == "train"]

    @property
    def eval(self) -> list[ReasoningItem]:
        return [item for item in self.items if item.split == "eval"]


def load_dataset(name_or_path: str, data_dir: Path = DATA_DIR) -> Dataset:
    """The shipped data set of that name (its digest checked), or else the data set file at that
    path (a JSONL file, or a directory holding exactly one): every row checked."""
    spec = DATASETS.get(name_or_path)
    if spec is not None:
        return _shipped(spec, data_dir)
    if not Path(name_or_path).exists():
        raise TrainingError(f"--dataset {name_or_path!r} is not a known data set (known: "
                            f"{', '.join(sorted(DATASETS))}), nor a file or directory; give a "
                            "shipped name or a JSONL file in the row format of "
                            "docs/TRAINING_MODES.md#your-own-data")
    return _from_file(Path(name_or_path))


def _shipped(spec: DatasetSpec, data_dir: Path) -> Dataset:
    path = data_dir / spec.filename
    try:
        digest = sha256_bytes(path.read_bytes())
    except OSError as error:
        raise TrainingError(f"data set file {path} cannot be read: {error.strerror}") from None
    if digest != spec.sha256:
        raise _changed(path, digest, spec)
    facts, items = _read(path)
    if facts.sha256 != spec.sha256:  # changed between the two reads
        raise _changed(path, facts.sha256, spec)
    return Dataset(spec=spec, sha256=facts.sha256, items=items,
                   source=DatasetOrigin(kind="shipped", name=spec.name, path=None,
                                        sha256=facts.sha256))


def _changed(path: Path, digest: str, spec: DatasetSpec) -> TrainingError:
    return TrainingError(f"{path}: SHA-256 is {digest}, expected {spec.sha256}; the shipped "
                         "file was changed. Restore it (git checkout) or regenerate it with "
                         "`python -m training.dataset.build`.")


def _from_file(given: Path) -> Dataset:
    try:
        file = dataset_file_path(given)
        _NAME.validate_python(str(file))
    except DatasetFileError as error:
        raise TrainingError(error.message) from None
    except ValidationError:
        raise TrainingError(f"--dataset {file}: the manifest records this path, which must be "
                            "one line of at most 200 characters with no space at either end; "
                            "give a shorter path (copy or link the file)") from None
    facts, items = _read(file)
    path = str(facts.path)
    spec = DatasetSpec(name=file_dataset_name(facts.path),
                       version=file_dataset_version(facts.sha256), filename=path,
                       sha256=facts.sha256)
    return Dataset(spec=spec, sha256=facts.sha256, items=items,
                   source=DatasetOrigin(kind="file", name=None, path=path, sha256=facts.sha256))


def _read(given: Path) -> tuple[DatasetFileFacts, tuple[ReasoningItem, ...]]:
    """Every row of the file through the one reader, as the trainer's items."""
    items: list[ReasoningItem] = []

    def keep(row: DatasetRow) -> None:
        items.append(ReasoningItem.of_row(row))

    try:
        facts = scan_dataset_file(given, keep)
    except DatasetFileError as error:
        raise TrainingError(error.message) from None
    return facts, tuple(items)
