"""`python -m training.preflight` and the launcher's --preflight: exit codes and what they say."""

from __future__ import annotations

from pathlib import Path

import pytest
from preflight_configs import PREFLIGHT_FIXTURES

from training import run_train_jax
from training.preflight import cli
from training.xla_env import LIBTPU_OFFLINE

TINY = str(PREFLIGHT_FIXTURES / "tiny_gpt2.yaml")


@pytest.fixture(autouse=True)
def restore_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands set JAX's platform and libtpu's variables; undo that after each test."""
    for name in ("JAX_PLATFORMS", "XLA_PYTHON_CLIENT_PREALLOCATE", *LIBTPU_OFFLINE):
        monkeypatch.delenv(name, raising=False)


def test_does_not_fit_exits_1_and_names_the_nearest_config(
        capsys: pytest.CaptureFixture[str]) -> None:
    # --no-cache: in a test process, JAX's persistent cache must stay off for the tests after
    code = cli.main(["--config", TINY, "--target", "cpu", "--budget-gib", "0.002",
                     "--suggestions", "1", "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1
    assert "verdict: does not fit by" in out
    assert "nearest configs that fit:\n  train.grad_accum 2 -> 4: fits" in out
    assert "preflight_does_not_fit" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", "no/such.yaml", "--target", "cpu"]) == 2
    assert "error: no/such.yaml: cannot read the config" in capsys.readouterr().err
    assert cli.main(["--config", TINY, "--target", "cpu", "--profile", "nope"]) == 2
    assert "no shipped profile of that name" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--config", TINY, "--target", "v9"])
    assert exit_.value.code == 2


def test_the_launcher_runs_the_preflight_alone(figures: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "default_cache_dir", lambda: figures)
    assert run_train_jax.main(["--config", TINY, "--preflight",
                               "--preflight_target", "cpu"]) == 0
    assert "verdict: fits:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run_train_jax.main(["--config", TINY, "--preflight_target", "cpu", "--output", "x",
                            "--dataset", "d"])
    assert "--preflight_target needs --preflight" in capsys.readouterr().err


def test_a_full_run_on_an_accelerator_is_checked_before_loading(
        figures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the launcher does before a full run loads weights (on a GPU or TPU; here the CPU
    stands in for the attached devices)."""
    from training.config import load_config
    from training.errors import TrainingError
    from training.preflight import launch

    monkeypatch.setattr(cli, "default_cache_dir", lambda: figures)
    tiny, said = load_config(TINY), []
    record = launch.preflight_before_loading(tiny, "tpu", said.append)
    assert record is not None and record.verdict == "fits" and record.target == "attached"
    assert any(line.startswith("verdict: fits") for line in said)
    real = launch.run_preflight
    monkeypatch.setattr(launch, "run_preflight",
                        lambda *args, **kwargs: real(*args, **kwargs, budget_bytes=1024))
    with pytest.raises(TrainingError, match="the preflight stops this run") as stopped:
        launch.preflight_before_loading(tiny, "tpu", said.append)
    assert stopped.value.exit_code == 1
    assert launch.preflight_before_loading(tiny, "cpu", said.append) is None
    assert said[-1].startswith("preflight: skipped on a CPU")


def test_json_prints_the_evidence_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = cli.main(["--config", TINY, "--target", "cpu", "--budget-gib", "0.002",
                     "--suggestions", "1", "--no-cache", "--json"])
    captured = capsys.readouterr()
    envelope = json.loads(captured.out)  # stdout is the JSON alone
    assert code == 1
    assert (envelope["tool"], envelope["command"], envelope["ok"]) == ("evidence", "preflight",
                                                                       False)
    assert [f["code"] for f in envelope["findings"]] == ["preflight_does_not_fit"]
    assert envelope["findings"][0]["run"] == TINY
    result = envelope["result"]
    assert result["verdict"] == "does_not_fit" and result["target"]["name"] == "cpu"
    assert result["estimate"]["method"] == "xla_memory_analysis"
    assert result["estimate"]["peak_bytes_per_device"] > result["target"][
        "usable_bytes_per_device"]
    assert result["alternatives"][0]["change"] == "train.grad_accum 2 -> 4"
    assert result["alternatives"][0]["estimate"]["fits"] is True
    # What was compiled, and how long it took, went to stderr.
    assert "compiling the train step for cpu: batch 8 (2 x 4 rows)" in captured.err
    assert "compiled in" in captured.err


def test_find_max_batch_says_what_it_searches(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--config", TINY, "--target", "cpu", "--find-max-batch",
                     "--budget-gib", "0.004", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 0
    assert "searching the largest batch that fits" in captured.err
    assert "largest batch that fits: " in captured.out
