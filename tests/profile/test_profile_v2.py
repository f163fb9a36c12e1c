"""Profile tunix-hackathon-2025, version 2: an eligible Gemma 3 1B LoRA run (Tunix, orbax) passes;
each rule a run breaks is its own finding, under its own code, at the field that breaks it; a
1.0 manifest is told to migrate; smoke runs are exempt; 1.0 profiles still load."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from evidence import (
    CompetitionProfile,
    KaggleSession,
    ModelRef,
    ProfileError,
    Timings,
    checkpoint_ineligibility,
    ineligibility,
    library_ineligibility,
    load_profile,
    validate_run,
)
from evidence.cli import main
from runbuilder import ORBAX_ADAPTER, STARTED, TUNIX_LORA, build_run, rewrite_manifest

PROFILE = "tunix-hackathon-2025"
GEMMA_1 = ModelRef(id="google/gemma-2b", revision="flax", family="gemma", dtype="bfloat16",
                   parameter_count=2_506_172_416)
GEMMA_2 = ModelRef(id="google/gemma-2-2b-it", revision=None, family="gemma2", dtype="bfloat16",
                   parameter_count=2_614_341_888)
TRANSFORMERS = TUNIX_LORA.model_copy(update={"library": "transformers",
                                             "library_version": "4.57.6"})
TEN_HOURS = KaggleSession(run_type="Batch", seconds=10 * 3600.0)
SAFETENSORS = ORBAX_ADAPTER.model_copy(update={"format": "safetensors"})


@pytest.fixture(scope="module")
def profile() -> CompetitionProfile:
    return load_profile(PROFILE)


def profile_findings(run: Path, profile: CompetitionProfile,
                     **options: Any) -> list[tuple[str, str | None]]:
    return [(str(f.code), f.pointer) for f in validate_run(run, profile=profile,
                                                           **options).findings]


def eligible_run(tmp_path: Path, **changes: Any) -> Path:
    run = build_run(tmp_path / "run", eligible=True)
    if changes:
        rewrite_manifest(run, **changes)
    return run


def test_the_shipped_profile_is_version_2_with_every_rule(profile: CompetitionProfile) -> None:
    assert profile.schema_version == "2.0"
    assert profile.allowed_training_libraries == ["tunix"]
    assert profile.allowed_checkpoint_formats == ["orbax"]
    assert profile.max_session_seconds == 9 * 3600
    assert profile.output_format == "reasoning-answer-tags"


def test_an_eligible_gemma3_1b_lora_run_passes(tmp_path: Path,
                                               profile: CompetitionProfile) -> None:
    run = eligible_run(tmp_path)
    assert profile_findings(run, profile) == []


def test_a_gemma2_2b_run_passes_too(tmp_path: Path, profile: CompetitionProfile) -> None:
    assert profile_findings(eligible_run(tmp_path, model=GEMMA_2), profile) == []


@pytest.mark.parametrize(("changes", "code", "pointer", "said"), [
    ({"model": GEMMA_1}, "model_not_eligible", "/model", "Gemma 1"),
    ({"training": TRANSFORMERS}, "training_library_not_eligible", "/training/library",
     "trained with transformers 4.57.6"),
    ({"kaggle_session": TEN_HOURS}, "session_too_long", "/kaggle_session/seconds",
     "at least 10 h"),
    ({"checkpoint": SAFETENSORS}, "checkpoint_not_eligible", "/checkpoint/format",
     "the checkpoint is safetensors"),
    ({"checkpoint": None}, "checkpoint_not_eligible", "/checkpoint",
     "the run saved no checkpoint"),
], ids=["gemma1", "transformers", "ten_hours", "safetensors", "no_checkpoint"])
def test_each_broken_rule_is_its_own_finding(tmp_path: Path, profile: CompetitionProfile,
                                             changes: dict[str, Any], code: str, pointer: str,
                                             said: str) -> None:
    run = eligible_run(tmp_path, **changes)
    [finding] = validate_run(run, profile=profile).findings
    assert (str(finding.code), finding.pointer) == (code, pointer)
    assert said in finding.message and PROFILE in finding.message
    assert "To fix:" in finding.message


def test_a_run_breaking_every_rule_gets_every_finding(tmp_path: Path,
                                                      profile: CompetitionProfile,
                                                      capsys: Any) -> None:
    run = eligible_run(tmp_path, model=GEMMA_1, training=TRANSFORMERS,
                       kaggle_session=TEN_HOURS, checkpoint=SAFETENSORS)
    assert main(["validate", "--json", "--profile", PROFILE, str(run)]) == 1
    found = {(f["code"], f["pointer"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found == {("model_not_eligible", "/model"),
                     ("training_library_not_eligible", "/training/library"),
                     ("session_too_long", "/kaggle_session/seconds"),
                     ("checkpoint_not_eligible", "/checkpoint/format")}


def test_the_session_falls_back_to_the_timings(tmp_path: Path,
                                               profile: CompetitionProfile) -> None:
    """Without the session's seconds (still a placeholder), the run's own span shows a run too
    long for one session."""
    run = eligible_run(tmp_path, timings=Timings(
        started_at=STARTED, finished_at=STARTED + timedelta(hours=10), train_seconds=30.0,
        eval_seconds=10.5), kaggle_session="<FILL: kaggle_session>")
    assert profile_findings(run, profile, allow_template=True) == [
        ("session_too_long", "/timings")]


def test_a_1_0_manifest_is_told_to_migrate(tmp_path: Path, profile: CompetitionProfile) -> None:
    run = build_run(tmp_path / "run", version="1.0")
    path = run / "run_manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(mode="full", smoke_config=None, model=GEMMA_2.model_dump(mode="json"))
    path.write_text(json.dumps(manifest))
    summary = json.loads((run / "eval_summary.json").read_text())
    (run / "eval_summary.json").write_text(json.dumps({**summary, "mode": "full"}))
    manifest["artifacts"][1] = _described(run, "eval_summary.json")
    path.write_text(json.dumps(manifest))
    found = validate_run(run, profile=profile).findings
    assert [(str(f.code), f.pointer) for f in found] == [
        ("profile_rule_unchecked", "/schema_version")] * 2
    for finding in found:
        assert "cannot be checked on a 1.0 manifest" in finding.message
        assert "evidence migrate RUN_DIR" in finding.message
    assert "allowed_training_libraries" in found[0].message
    assert "allowed_checkpoint_formats" in found[1].message


def _described(run: Path, name: str) -> dict[str, Any]:
    from evidence.io.digest import describe_artifact

    return describe_artifact(run, name).model_dump(mode="json")


def test_smoke_runs_are_exempt_from_every_rule(tmp_path: Path,
                                               profile: CompetitionProfile) -> None:
    """The smoke run: GPT-2 by transformers, a flax_msgpack checkpoint; never a submission."""
    run = build_run(tmp_path / "run")
    rewrite_manifest(run, model=GEMMA_1, kaggle_session=TEN_HOURS)
    assert profile_findings(run, profile) == []


def test_the_preflight_signatures_still_hold(profile: CompetitionProfile) -> None:
    assert ineligibility(profile, "google/gemma-3-1b-it", "gemma3_text", 999_885_952) is None
    assert "Gemma 1" in str(ineligibility(profile, "google/gemma-2b", "gemma", 2_506_172_416))
    assert library_ineligibility(profile, "tunix") is None
    assert "transformers" in str(library_ineligibility(profile, "transformers"))
    assert checkpoint_ineligibility(profile, "orbax") is None
    assert "safetensors" in str(checkpoint_ineligibility(profile, "safetensors"))


# --- profile files ---------------------------------------------------------------------------

V1_PROFILE = """schema_version: "1.0"
name: old-profile
title: A profile of schema 1.0
allowed_models:
  - name: Gemma 3 1B
    families: [gemma3_text]
    parameter_count: {min: 980_000_000, max: 1_020_000_000}
output_format: reasoning-answer-tags
"""


def test_a_1_0_profile_still_loads_with_its_rules_only(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(V1_PROFILE)
    old = load_profile(str(path))
    assert old.schema_version == "1.0" and old.allowed_training_libraries is None
    run = build_run(tmp_path / "run", eligible=True)
    rewrite_manifest(run, training=TRANSFORMERS, checkpoint=SAFETENSORS,
                     kaggle_session=TEN_HOURS)
    assert profile_findings(run, old) == []  # no library, checkpoint or session rule


def test_a_2_0_rule_in_a_1_0_profile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(V1_PROFILE + "allowed_training_libraries: [tunix]\n")
    with pytest.raises(ProfileError, match=r'came with profile schema 2\.0: set schema_version'):
        load_profile(str(path))


def test_a_newer_profile_is_refused_with_what_to_do(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "new.yaml"
    path.write_text(V1_PROFILE.replace('"1.0"', '"3.0"'))
    with pytest.raises(ProfileError, match=r"newer than this evidence reads \(1.0, 2.0\); "
                                           "upgrade evidence"):
        load_profile(str(path))
    assert main(["validate", "--profile", str(path), str(tmp_path)]) == 2
    assert "upgrade evidence" in capsys.readouterr().err


def test_an_unknown_library_in_a_profile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(V1_PROFILE.replace('"1.0"', '"2.0"') + "allowed_training_libraries: [jax]\n")
    with pytest.raises(ProfileError, match="allowed_training_libraries"):
        load_profile(str(path))
