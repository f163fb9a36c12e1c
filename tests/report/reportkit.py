"""Runs for the report's tests, built from the models (runbuilder) and changed in one way each:
metrics.jsonl as the trainer writes it, hostile responses, a broken row, a baseline with
flipped items. Every change that should keep a run valid relists the manifest's digests."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidence.io.atomic import write_jsonl_atomic, write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EvalSummary
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.scoring.grader import grade
from repo_paths import REPO
from runbuilder import build_run, sample_predictions
from training.metrics import METRICS_FILE, MetricsRow

FIXTURES = REPO / "tests" / "fixtures" / "report"
VALID_RUNS = REPO / "tests" / "fixtures" / "runs" / "valid"


def hostile_responses() -> dict[str, str]:
    """Fixture name (what it shows) -> the response text it holds."""
    return {path.stem: path.read_text(encoding="utf-8").removesuffix("\n")
            for path in sorted(FIXTURES.glob("*.txt"))}


def relist(run: Path, *extra: str) -> None:
    """The manifest's artifact digests brought up to date, and `extra` files listed."""
    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    assert not isinstance(manifest.artifacts, str)
    paths = [artifact.path for artifact in manifest.artifacts] + list(extra)
    write_model_atomic(run / MANIFEST_FILE, manifest.model_copy(
        update={"artifacts": [describe_artifact(run, path) for path in paths]}))


def metrics_rows(steps: int) -> list[MetricsRow]:
    """What the trainer's loop logs (training.metrics.MetricsRow), one row per step."""
    return [MetricsRow(step=step, loss=3.0 / step + 0.1, grad_norm=1.0 + 0.5 / step,
                       learning_rate=1e-4 * min(1.0, step / 3), tokens=512, loss_tokens=200,
                       tokens_per_second=1000.0, step_seconds=0.5,
                       includes_compile=step == 1) for step in range(1, steps + 1)]


def add_metrics(run: Path, rows: Sequence[MetricsRow], extra_lines: Sequence[bytes] = ()) \
        -> Path:
    write_jsonl_atomic(run / METRICS_FILE, rows)
    if extra_lines:
        with (run / METRICS_FILE).open("ab") as handle:
            handle.write(b"".join(line + b"\n" for line in extra_lines))
    relist(run, METRICS_FILE)
    return run


def graded(item_id: str, response: str, reference: str, section: str = "arithmetic",
           category: str = "addition", difficulty: str = "easy") -> Prediction:
    result = grade(response, reference)
    return Prediction(item_id=item_id, section=section, category=category,
                      difficulty=difficulty, response=response,
                      extracted_answer=result.extracted_answer, reference_answer=reference,
                      correct=result.correct, format_ok=result.format_ok)


def hostile_run(run: Path, long_line: str) -> tuple[Path, dict[str, str]]:
    """A valid run whose responses are the hostile fixtures, and a very long line."""
    responses = {**hostile_responses(), "very_long_line": long_line}
    rows = [graded(f"hostile-{index:02d}", text, "5")
            for index, text in enumerate(responses.values())]
    build_run(run, rows)
    ids = {f"hostile-{index:02d}": name for index, name in enumerate(responses)}
    return run, {item_id: responses[name] for item_id, name in ids.items()}


def break_a_row(run: Path) -> Path:
    """An invalid run: the second row claims to be correct (validate re-grades it), and the
    predictions' digest no longer matches the manifest."""
    lines = (run / PREDICTIONS_FILE).read_bytes().splitlines(keepends=True)
    row = json.loads(lines[1])
    row["correct"] = True
    lines[1] = json.dumps(row).encode() + b"\n"
    (run / PREDICTIONS_FILE).write_bytes(b"".join(lines))
    return run


def baseline_of_sample(run: Path) -> Path:
    """A baseline for the sample run: arith-0001 wrong there (fixed in the sample), arith-0002
    right there (broken in the sample), everything else the same."""
    changed = {"arith-0001": "<reasoning>2+2</reasoning><answer>5</answer>",
               "arith-0002": "<reasoning>6*7</reasoning><answer>42</answer>"}
    rows = [graded(row.item_id, changed.get(row.item_id, row.response), row.reference_answer,
                   row.section, row.category, row.difficulty) for row in sample_predictions()]
    build_run(run, rows)
    return run


def copy_valid_fixture(name: str, where: Path) -> Path:
    shutil.copytree(VALID_RUNS / name, where, symlinks=True)
    return where


def summary_of(run: Path) -> EvalSummary:
    return EvalSummary.model_validate_json((run / EVAL_SUMMARY_FILE).read_bytes())


def data_values(page: str) -> dict[tuple[str, str], str]:
    """(scope, metric) -> value of every `<data>` the scorecard carries."""
    found = re.findall(r'<data value="([^"]*)" data-metric="([^"]*)" data-scope="([^"]*)">',
                       page)
    return {(scope, metric): value for value, metric, scope in found}


def script_text(page: str, element_id: str) -> tuple[str, str]:
    """(type, text) of the page's data element `element_id`."""
    match = re.search(rf'<script type="([^"]+)" id="{element_id}">(.*?)</script>', page,
                      re.DOTALL)
    assert match, element_id
    return match.group(1), match.group(2)


def items_of(page: str) -> dict[str, Any]:
    kind, text = script_text(page, "items-data")
    if kind == "application/json":
        return dict(json.loads(text))
    import base64
    import gzip

    return dict(json.loads(gzip.decompress(base64.b64decode(text))))
