"""The milestone's smoke command end to end, in a subprocess like a user runs it, offline; and
the launcher's errors (bad config, unreachable hub, busy output) as one clear line each."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from evidence import MANIFEST_FILE, parse_line, validate_run
from flax_smoke import REPO, SECRET, SMOKE_COMMAND, SmokeRun, launch
from training.errors import TrainingError
from training.evidence_out import self_check
from training.provenance import kaggle_fields

pytestmark = pytest.mark.slow


@pytest.fixture
def smoke(flax_smoke: SmokeRun) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return flax_smoke.run_dir, flax_smoke.done


def test_smoke_command_writes_evidence_that_validates(smoke: Any) -> None:
    run_dir, done = smoke
    assert done.returncode == 0, done.stderr[-3000:]
    report = validate_run(run_dir, allow_template=True)
    assert report.valid, report.findings
    # Only the three Kaggle fields are open; without the flag validate lists exactly those.
    strict = validate_run(run_dir)
    assert sorted(f.pointer or "" for f in strict.findings) == [
        "/kaggle/kaggle_notebook_url", "/kaggle/kaggle_notebook_version", "/kaggle/kaggle_run_id"]
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text())
    assert manifest["mode"] == "smoke" and manifest["steps"] == 2
    assert manifest["config"]["path"] == "configs/submission_gemma_flax.yaml"
    assert manifest["smoke_config"]["path"] == "configs/smoke_tiny.yaml"
    assert manifest["dataset"]["name"] == "dev-reasoning-v2"
    assert {"jax", "flax", "transformers", "optax"} <= manifest["packages"].keys()
    assert "device: 1 x cpu (cpu)" in done.stdout


def test_console_log_alone_rebuilds_the_evidence(smoke: Any) -> None:
    run_dir, done = smoke
    stated: dict[str, dict[str, Any]] = {"run_manifest": {}, "eval_summary": {}}
    for line in done.stdout.splitlines():
        parsed = parse_line(line)
        if parsed is not None:
            stated[parsed.doc][parsed.pointer] = parsed.value
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    summary = json.loads((run_dir / "eval_summary.json").read_text())
    kaggle = manifest.pop("kaggle")
    assert stated["run_manifest"] == {f"/{key}": value for key, value in manifest.items()}
    assert stated["eval_summary"] == {f"/{key}": value for key, value in summary.items()}
    assert all(value.startswith("<FILL: ") for value in kaggle.values())


def test_metrics_and_checkpoint(smoke: Any) -> None:
    import jax
    from transformers import AutoTokenizer, FlaxAutoModelForCausalLM

    run_dir, _ = smoke
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2]
    # The step compiles once per bucket length: step 2 again only if its batch is another length.
    assert [row["includes_compile"] for row in rows] == [
        True, rows[1]["positions"] != rows[0]["positions"]]
    assert all(row["tokens_per_second"] > 0 and row["learning_rate"] > 0 for row in rows)
    model = FlaxAutoModelForCausalLM.from_pretrained(run_dir / "checkpoint")
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "checkpoint")
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text())
    leaves = jax.tree_util.tree_leaves(model.params)
    assert sum(leaf.size for leaf in leaves) == manifest["model"]["parameter_count"]
    assert tokenizer.decode(tokenizer("<answer>4</answer>")["input_ids"]) == "<answer>4</answer>"


def test_the_token_is_never_written(smoke: Any) -> None:
    run_dir, done = smoke
    assert SECRET not in done.stdout + done.stderr
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_self_check_refuses_evidence_that_does_not_hold(smoke: Any, tmp_path: Path) -> None:
    run_dir, _ = smoke
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    rows = (copy / "predictions.jsonl").read_text().splitlines()
    first = json.loads(rows[0])
    first["correct"] = not first["correct"]
    (copy / "predictions.jsonl").write_text("\n".join([json.dumps(first), *rows[1:]]) + "\n")
    with pytest.raises(TrainingError, match="does not validate") as caught:
        self_check(copy, kaggle_fields(), say=lambda _: None)
    assert caught.value.exit_code == 1


def test_a_busy_output_directory_is_refused(smoke: Any, tmp_path: Path) -> None:
    run_dir, _ = smoke
    busy = tmp_path / "run"
    shutil.copytree(run_dir, busy)  # the session's run stays as the trainer left it
    before = {path: path.read_bytes() for path in busy.rglob("*") if path.is_file()}
    done = launch([*SMOKE_COMMAND, "--output", str(busy)], tmp_path)
    assert {path: path.read_bytes() for path in busy.rglob("*") if path.is_file()} == before
    assert done.returncode == 2
    assert "is not empty" in done.stderr and "--overwrite" in done.stderr


def test_a_bad_config_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "configs/smoke_tiny.yaml").read_text()
                   .replace("batch_size: 16", "batch_size: 0"))
    done = launch(["--config", "configs/submission_gemma_flax.yaml", "--smoke_config", str(bad),
                   "--output", str(tmp_path / "run"), "--dataset", "dev-reasoning-v2"],
                  tmp_path)
    assert done.returncode == 2
    assert "bad.yaml:" in done.stderr and "train.batch_size" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_an_unreachable_hub_says_how_to_use_a_local_copy(tmp_path: Path) -> None:
    done = launch(["--config", "configs/submission_gemma_flax.yaml", "--output",
                   str(tmp_path / "run"), "--dataset", "dev-reasoning-v2", "--device", "cpu"],
                  tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "cannot load google/gemma-2b (revision flax) from the Hugging Face hub" in done.stderr
    assert "set model.id to DIR" in done.stderr
    assert "Traceback" not in done.stderr


def test_full_mode_trains_a_local_pretrained_model(tmp_path: Path) -> None:
    """The full path (from_pretrained, no smoke config) on a tiny Gemma saved locally, with the
    Kaggle fields given by the environment."""
    from tiny_models import tiny_config

    from training.backends.flax_transformers.loading import build_tiny_model

    tiny = build_tiny_model(tiny_config("gemma", max_positions=512), seed=0)
    model_dir = tmp_path / "tiny-gemma"
    tiny.module.save_pretrained(model_dir, params=tiny.params)
    tiny.tokenizer.hf.save_pretrained(model_dir)
    config = tmp_path / "full.yaml"
    config.write_text(
        (REPO / "configs/submission_gemma_flax.yaml").read_text()
        .replace("id: google/gemma-2b", f"id: {model_dir}")
        # float32: bfloat16 is emulated on CPUs, slow; its casting is tested in test_train_step.
        .replace("dtype: bfloat16", "dtype: float32")
        .replace("max_seq_len: 256", "max_seq_len: 512").replace("steps: 45", "steps: 1")
        .replace("batch_size: 32", "batch_size: 8")
        .replace("batch_size: 24", "batch_size: 40").replace("max_new_tokens: 192",
                                                              "max_new_tokens: 4"))
    done = launch(["--config", str(config), "--output", str(tmp_path / "run"),
                   "--dataset", "dev-reasoning-v2", "--device", "cpu"], tmp_path,
                  KAGGLE_NOTEBOOK_URL="https://www.kaggle.com/code/someone/gemma-run",
                  KAGGLE_NOTEBOOK_VERSION="3", KAGGLE_RUN_ID="212345678")
    assert done.returncode == 0, done.stderr[-3000:]
    # Kaggle fields from the environment: no template flag needed; only the console log, which
    # the session records after the run (`evidence fill --from-log`), is still to come.
    report = validate_run(tmp_path / "run")
    assert [finding.code for finding in report.findings] == ["kaggle_log_missing"]
    manifest = json.loads((tmp_path / "run" / MANIFEST_FILE).read_text())
    assert manifest["mode"] == "full" and manifest["smoke_config"] is None
    assert manifest["model"]["family"] == "gemma" and manifest["model"]["dtype"] == "float32"
    assert manifest["kaggle"]["kaggle_run_id"] == 212345678
