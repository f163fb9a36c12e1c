"""dev-reasoning-v2: regenerated from its seed byte for byte, pinned by digest, gradable."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from evidence import grade, sha256_bytes
from training.dataset.build import generate, serialize
from training.dataset.items import INSTRUCTION
from training.dataset.registry import DATA_DIR, DEV_REASONING_V2, load_dataset
from training.errors import TrainingError


def test_shipped_file_is_what_the_seeded_generator_makes() -> None:
    shipped = (DATA_DIR / DEV_REASONING_V2.filename).read_bytes()
    assert serialize(generate()) == shipped
    assert sha256_bytes(shipped) == DEV_REASONING_V2.sha256


def test_shape_sections_difficulties_and_split() -> None:
    dataset = load_dataset("dev-reasoning-v2")
    assert len(dataset.items) >= 500
    assert len({item.section for item in dataset.items}) >= 4
    assert Counter(item.difficulty for item in dataset.items) == {
        "easy": 200, "medium": 200, "hard": 200}
    assert (len(dataset.train), len(dataset.eval)) == (480, 120)
    # Every section, category and difficulty is evaluated.
    cells = {(i.section, i.category, i.difficulty) for i in dataset.items}
    assert {(i.section, i.category, i.difficulty) for i in dataset.eval} == cells


def test_every_reference_response_is_graded_correct() -> None:
    for item in load_dataset("dev-reasoning-v2").items:
        result = grade(item.target, item.answer)
        assert result.format_ok and result.correct, item.id
        assert item.prompt.startswith(INSTRUCTION)


def test_a_changed_file_is_refused_with_its_path(tmp_path: Path) -> None:
    shutil.copy(DATA_DIR / DEV_REASONING_V2.filename, tmp_path / DEV_REASONING_V2.filename)
    with (tmp_path / DEV_REASONING_V2.filename).open("ab") as file:
        file.write(b"\n")
    with pytest.raises(TrainingError, match=r"dev-reasoning-v2\.jsonl: SHA-256 is"):
        load_dataset("dev-reasoning-v2", data_dir=tmp_path)


def test_an_unknown_data_set_is_named() -> None:
    with pytest.raises(TrainingError, match="'dev-reasoning-v9' is not a known data set"):
        load_dataset("dev-reasoning-v9")
