"""The trainer in process, end to end, on the smoke config shrunk through the config model: its
evidence validates, the console carries the log lines, the evidence lines and a readable end;
and a run refused before training leaves no directory behind."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evidence import MANIFEST_FILE, RunManifest, parse_line, validate_run
from training.config import LoadedConfig, load_config
from training.console import SMOKE_SCORE_NOTE, RunConsole
from training.errors import TrainingError
from training.pipeline import RunRequest, run

SMOKE = "configs/smoke_tiny.yaml"
FULL = "configs/submission_gemma_flax.yaml"


def shrunk(loaded: LoadedConfig) -> LoadedConfig:
    """The smoke config, smaller still: one narrow layer, one step, four new tokens."""
    cfg = loaded.config
    small = cfg.model_copy(update={
        "model": cfg.model.model_copy(update={"layers": 1, "hidden_size": 32, "heads": 2}),
        "train": cfg.train.model_copy(update={"steps": 1, "batch_size": 4, "grad_accum": 2}),
        "eval": cfg.eval.model_copy(update={"batch_size": 60, "max_new_tokens": 4}),
    })
    # model_copy skips validation: validate the shrunk config as a file would be.
    return LoadedConfig(loaded.path, loaded.sha256, type(cfg).model_validate(small.model_dump()))


def request(output: Path, trains: LoadedConfig, **changes: object) -> RunRequest:
    """A smoke run of `trains` unless `changes` say otherwise."""
    fields: dict[str, object] = {
        "mode": "smoke", "run": trains, "full": load_config(FULL), "smoke": trains,
        "output": output, "dataset": "dev-reasoning-v2", "steps": 1}
    return RunRequest(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    output = tmp_path_factory.mktemp("pipeline") / "run"
    buffer = io.StringIO()
    run(request(output, shrunk(load_config(SMOKE))), RunConsole(buffer, width=100))
    return output, buffer.getvalue()


def test_the_shrunk_run_writes_evidence_that_validates(trained: tuple[Path, str]) -> None:
    output, _ = trained
    assert validate_run(output, allow_template=True).findings == []
    manifest = RunManifest.model_validate_json((output / MANIFEST_FILE).read_bytes())
    assert manifest.mode == "smoke" and manifest.steps == 1
    assert not isinstance(manifest.model, str)
    assert (manifest.model.id, manifest.model.family) == ("tiny-gpt2", "gpt2")
    paths = {artifact.path for artifact in manifest.artifacts}  # type: ignore[union-attr]
    assert {"eval_summary.json", "predictions.jsonl", "metrics.jsonl",
            "checkpoint/flax_model.msgpack"} <= paths


def test_the_console_holds_the_log_the_evidence_and_a_readable_end(
        trained: tuple[Path, str]) -> None:
    output, text = trained
    lines = text.splitlines()
    assert any(line.startswith("step 1/1 loss ") for line in lines)
    stated = [parse_line(line) for line in lines if line.startswith("@evidence/1")]
    assert stated and all(statement is not None for statement in stated)
    summary = json.loads((output / "eval_summary.json").read_text())
    stated_run_id = [s.value for s in stated if s is not None and s.pointer == "/run_id"]
    assert stated_run_id == [summary["run_id"]] * 2  # in the manifest and the summary
    # The readable end comes after the evidence lines: the table, where, and what 0 means.
    end = text[text.rindex("@evidence/1"):]
    assert f"scorecard of {summary['run_id']}" in end
    assert "│ overall" in end and "difficulty" in end
    assert f"evidence written to {output}" in end
    assert SMOKE_SCORE_NOTE in end.replace("\n", " ")
    assert "\x1b[" not in text  # not a terminal: no control codes in the log


def test_a_terminal_gets_bars_and_dimmed_evidence_lines() -> None:
    buffer = io.StringIO()
    console = RunConsole(buffer, force_terminal=True, width=100)
    console.evidence('@evidence/1 run_manifest /steps 1')
    console.say("step 1/1 loss 1.0")
    with console.progress() as bar:
        task = bar.add_task("train", total=2)
        bar.advance(task, 2)
    text = buffer.getvalue()
    assert "\x1b[2m@evidence/1 run_manifest /steps 1" in text  # dim, and whole
    assert "step 1/1 loss 1.0\n" in text


def test_a_refused_model_leaves_no_output_directory(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub is not asked when it does not answer; the run fails at once, before the run
    directory exists."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: refused
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    full = load_config(FULL)
    output = tmp_path / "run"
    with pytest.raises(TrainingError) as refused:
        run(request(output, full, mode="full", smoke=None), RunConsole(io.StringIO()))
    message = refused.value.message
    assert "cannot load google/gemma-2b (revision flax) from the Hugging Face hub" in message
    assert "http://127.0.0.1:9 was not asked (127.0.0.1:9:" in message
    assert "set model.id to DIR" in message
    assert not output.exists()


def test_a_busy_or_file_output_is_refused_before_loading(tmp_path: Path) -> None:
    smoke = load_config(SMOKE)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(TrainingError, match="is not empty"):
        run(request(busy, smoke), RunConsole(io.StringIO()))
    with pytest.raises(TrainingError, match="holds no earlier run"):
        run(request(busy, smoke, overwrite=True), RunConsole(io.StringIO()))
    with pytest.raises(TrainingError, match="is a file"):
        run(request(busy / "notes.txt", smoke), RunConsole(io.StringIO()))
    assert (busy / "notes.txt").read_text() == "mine"
