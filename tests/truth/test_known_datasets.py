"""evidence's copy of the shipped data sets is the trainer's, and the data set check stays
bounded in memory and in findings whatever the predictions file holds."""

from __future__ import annotations

import importlib.util
import json
import sys
import tracemalloc
from pathlib import Path

from evidence.validation.checks.dataset import MAX_NAMED, check_dataset, shipped_dataset
from evidence.validation.checks.sanity import KNOWN_MODELS
from evidence.validation.eligibility import load_profile
from repo_paths import REPO

HERE = Path(__file__).parent


def test_the_copy_of_the_shipped_data_sets_is_what_the_trainer_ships() -> None:
    spec = importlib.util.spec_from_file_location("make_known_datasets",
                                                  HERE / "make_known_datasets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.TARGET.read_text() == module.render()


def test_known_models_fit_the_shipped_profile() -> None:
    profile = load_profile("tunix-hackathon-2025")
    for model_id in ("google/gemma-2-2b", "google/gemma-2-2b-it", "google/gemma-3-1b-pt",
                     "google/gemma-3-1b-it"):
        known = KNOWN_MODELS[model_id]
        assert profile.allowing(known.families[0], known.parameter_count) is not None
    gemma1 = KNOWN_MODELS["google/gemma-2b"]
    assert profile.allowing(gemma1.families[0], gemma1.parameter_count) is None


def test_memory_and_findings_stay_bounded_on_a_large_predictions_file(tmp_path: Path) -> None:
    known = shipped_dataset("dev-reasoning-v2", "2.0.0")
    assert known is not None
    rows = 200_000
    path = tmp_path / "predictions.jsonl"
    with path.open("w") as handle:
        for index in range(rows):
            handle.write(json.dumps({"item_id": f"extra-{index:07d}", "section": "s",
                                     "category": "c", "difficulty": "easy",
                                     "response": "x" * 200, "extracted_answer": None,
                                     "reference_answer": "1", "correct": False,
                                     "format_ok": False}) + "\n")
    tracemalloc.start()
    findings = check_dataset(known, None, path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 2**20, peak
    assert len(findings) == MAX_NAMED + 2  # the first extra rows, how many more, the missing
    assert f"{rows - MAX_NAMED} more rows" in findings[MAX_NAMED].message
    assert "120 items" in findings[-1].message


def test_the_shipped_file_itself_is_the_known_data_set() -> None:
    from evidence.validation.checks.dataset import read_dataset_file

    given = read_dataset_file(REPO / "src" / "training" / "data" / "dev-reasoning-v2.jsonl")
    known = shipped_dataset("dev-reasoning-v2", "2.0.0")
    assert known is not None
    assert (given.sha256, given.train_items, given.eval_digests) == \
        (known.sha256, known.train_items, known.eval_digests)
