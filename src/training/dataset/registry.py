"""The data sets the trainer knows by name, each pinned by the SHA-256 of its shipped file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from evidence import sha256_bytes
from training.dataset.items import ReasoningItem
from training.errors import TrainingError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    version: str
    filename: str
    sha256: str


DEV_REASONING_V2 = DatasetSpec(
    name="dev-reasoning-v2",
    version="2.0.0",
    filename="dev-reasoning-v2.jsonl",
    sha256="94453b181ada8116a73e24c4d870b170fc6cae4f81a09caf2e0736b53c12bf32",
)
DATASETS = {spec.name: spec for spec in (DEV_REASONING_V2,)}


@dataclass(frozen=True)
class Dataset:
    spec: DatasetSpec
    sha256: str
    items: tuple[ReasoningItem, ...]

    @property
    def train(self) -> list[ReasoningItem]:
        return [item for item in self.items if item.split == "train"]

    @property
    def eval(self) -> list[ReasoningItem]:
        return [item for item in self.items if item.split == "eval"]


def load_dataset(name: str, data_dir: Path = DATA_DIR) -> Dataset:
    """The named data set, after checking its file's digest and every row's shape."""
    spec = DATASETS.get(name)
    if spec is None:
        raise TrainingError(f"--dataset {name!r} is not a known data set; "
                            f"known: {', '.join(sorted(DATASETS))}")
    path = data_dir / spec.filename
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TrainingError(f"data set file {path} cannot be read: {error.strerror}") from None
    digest = sha256_bytes(data)
    if digest != spec.sha256:
        raise TrainingError(f"{path}: SHA-256 is {digest}, expected {spec.sha256}; the shipped "
                            "file was changed. Restore it (git checkout) or regenerate it with "
                            "`python -m training.dataset.build`.")
    return Dataset(spec=spec, sha256=digest, items=_parse(path, data))


def _parse(path: Path, data: bytes) -> tuple[ReasoningItem, ...]:
    items = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        try:
            items.append(ReasoningItem.model_validate_json(line))
        except ValidationError as error:
            raise TrainingError(f"{path}:{number}: not a data set item: "
                                f"{error.errors()[0]['msg']}") from None
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise TrainingError(f"{path}: item ids are not unique")
    return tuple(items)
