"""The preflight in the evidence: the record in a manifest and what `validate` checks of it,
eligibility against a competition profile, and the profile loader's messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from preflight_configs import PREFLIGHT_FIXTURES

from evidence import (
    EVAL_SUMMARY_FILE,
    MANIFEST_FILE,
    Code,
    EvalSummary,
    ModelRef,
    PreflightRecord,
    ProfileError,
    RunManifest,
    describe_artifact,
    load_profile,
    shipped_profiles,
    validate_run,
    write_model_atomic,
)
from repo_paths import REPO
from training.config import load_config
from training.preflight.hardware import GIB
from training.preflight.memory import from_out_of_memory
from training.preflight.result import run_preflight

GEMMA_1 = ModelRef(id="google/gemma-2b", revision="flax", family="gemma", dtype="bfloat16",
                   parameter_count=2_506_172_416)
GEMMA_2 = ModelRef(id="google/gemma-2-2b", revision=None, family="gemma2", dtype="bfloat16",
                   parameter_count=2_614_341_888)
RECORD = PreflightRecord(target="attached", platform="cpu", device_kind="cpu", devices=1,
                         config_sha256="c" * 64, method="xla_memory_analysis",
                         predicted_peak_bytes_per_device=3 * GIB,
                         usable_bytes_per_device=16 * GIB, verdict="fits",
                         tools={"jax": "0.10.2"})


def rewrite(run: Path, **changes: object) -> Path:
    """The built run with manifest fields changed (the mode in both documents), digests
    brought up to date, so that only the change itself can be a finding. A full run has no
    smoke config."""
    if changes.get("mode") == "full":
        changes.setdefault("smoke_config", None)
    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    mode = changes.get("mode", manifest.mode)
    summary = EvalSummary.model_validate_json((run / EVAL_SUMMARY_FILE).read_bytes())
    write_model_atomic(run / EVAL_SUMMARY_FILE, summary.model_copy(update={"mode": mode}))
    artifacts = [describe_artifact(run, artifact.path) for artifact in manifest.artifacts
                 ] if not isinstance(manifest.artifacts, str) else manifest.artifacts
    write_model_atomic(run / MANIFEST_FILE,
                       manifest.model_copy(update={**changes, "artifacts": artifacts}))
    return run


def codes(run: Path, **options: object) -> list[Code]:
    return [finding.code for finding in validate_run(run, **options).findings]  # type: ignore


def test_a_consistent_record_validates(run_dir: Path) -> None:
    assert codes(rewrite(run_dir, preflight=RECORD)) == []


def test_a_verdict_against_its_own_figures(run_dir: Path) -> None:
    edited = RECORD.model_copy(update={"verdict": "does_not_fit"})
    assert codes(rewrite(run_dir, preflight=edited)) == [Code.PREFLIGHT_INCONSISTENT]


def test_a_preflight_of_another_config_or_other_devices(run_dir: Path) -> None:
    other = RECORD.model_copy(update={"config_sha256": "e" * 64, "devices": 8})
    assert codes(rewrite(run_dir, preflight=other)) == [Code.PREFLIGHT_MISMATCH] * 2


def test_a_real_preflight_record_fits_its_run(run_dir: Path, figures: Path) -> None:
    """What the launcher records: the trained config's digest, the devices it ran on."""
    tiny = load_config(str(PREFLIGHT_FIXTURES / "tiny_gpt2.yaml"))
    record = run_preflight(tiny, "auto", suggestions=0, cache_dir=figures).record()
    assert record is not None and record.target == "attached"
    manifest = RunManifest.model_validate_json((run_dir / MANIFEST_FILE).read_bytes())
    assert not isinstance(manifest.smoke_config, str) and manifest.smoke_config is not None
    smoke = manifest.smoke_config.model_copy(update={"sha256": tiny.sha256})
    assert codes(rewrite(run_dir, preflight=record, smoke_config=smoke)) == []


def test_gemma_1_is_not_eligible_for_the_tunix_hackathon(run_dir: Path) -> None:
    profile = load_profile("tunix-hackathon-2025")
    run = rewrite(run_dir, mode="full", model=GEMMA_1)
    assert codes(run) == []  # eligibility is checked only when a profile is chosen
    findings = validate_run(run, profile=profile).findings
    [finding] = [found for found in findings if found.code == Code.MODEL_NOT_ELIGIBLE]
    assert finding.pointer == "/model"
    assert "Gemma 1" in finding.message and "Gemma 2 2B" in finding.message
    # This run was trained with transformers and saved in its format: profile 2.0 names those
    # rules too, each with its own finding, and a Gemma 2 model mends only the model's.
    others = [Code.TRAINING_LIBRARY_NOT_ELIGIBLE, Code.CHECKPOINT_NOT_ELIGIBLE]
    assert sorted(f.code for f in findings if f is not finding) == sorted(others)
    assert sorted(codes(rewrite(run, model=GEMMA_2), profile=profile)) == sorted(others)


def test_smoke_runs_are_no_submission(run_dir: Path) -> None:
    assert codes(run_dir, profile=load_profile("tunix-hackathon-2025")) == []


def test_the_milestones_template_is_caught_before_it_is_filled() -> None:
    """m36_v1 names google/gemma-2b and leaves its mode open: it may become a submission."""
    template = REPO / "submission_runs" / "m36_v1"
    assert codes(template, allow_template=True) == []
    found = codes(template, allow_template=True, profile=load_profile("tunix-hackathon-2025"))
    # A 1.0 manifest records no training library, checkpoint format or session: those rules
    # cannot be checked on it, and say so (run `evidence migrate`).
    assert Code.MODEL_NOT_ELIGIBLE in found
    assert set(found) == {Code.MODEL_NOT_ELIGIBLE, Code.PROFILE_RULE_UNCHECKED}


def evidence_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The evidence command line, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "evidence", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_validate_profile_flag_exit_codes(run_dir: Path) -> None:
    run = str(rewrite(run_dir, mode="full", model=GEMMA_1))
    done = evidence_cli("validate", "--json", "--profile", "tunix-hackathon-2025", run)
    assert done.returncode == 1
    assert "model_not_eligible" in done.stdout
    done = evidence_cli("validate", "--profile", "no-such-profile", run)
    assert done.returncode == 2
    assert "shipped: tunix-hackathon-2025" in done.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("schema_version: '1.0'\nname: a\nname: b\n", "name: key appears twice"),
    ("schema_version: '1.0'\nname: x\ntitle: X\nallowed_models: []\n"
     "output_format: reasoning-answer-tags\n", "allowed_models: List should have at least 1"),
    ("schema_version: '1.0'\nname: x\ntitle: X\noutput_format: boxed\nallowed_models:\n"
     "  - {name: M, families: [m], parameter_count: {min: 1, max: 2}}\n", "output_format"),
    ("schema_version: '1.0'\nname: x\ntitle: X\noutput_format: reasoning-answer-tags\n"
     "allowed_models:\n  - {name: M, families: [m], parameter_count: {min: 3, max: 2}}\n",
     "min 3 is larger than max 2"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_a_bad_profile_is_a_clear_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message) as caught:
        load_profile(str(path))
    assert str(path) in caught.value.message


def test_every_shipped_profile_loads() -> None:
    assert shipped_profiles() == ["tunix-hackathon-2025"]
    profile = load_profile("tunix-hackathon-2025")
    assert profile.allowing("gemma3_text", 999_885_952) is not None
    assert profile.allowing("gemma", 2_506_172_416) is None
    assert profile.allowing("gemma2", 9_241_705_984) is None  # Gemma 2 9B: the family, too big


def test_preflight_reports_an_ineligible_model_too() -> None:
    gemma = load_config(str(PREFLIGHT_FIXTURES / "gemma_2b_t4.yaml"))
    result = run_preflight(gemma, "t4", suggestions=0,
                           profile=load_profile("tunix-hackathon-2025"))
    assert Code.MODEL_NOT_ELIGIBLE in [finding.code for finding in result.findings]


@pytest.mark.parametrize(("fixture", "required", "available"), [
    ("oom_v5e.txt", 24.71, 15.75),  # as libtpu 0.0.42 said it for Gemma 2B, AdamW, v5e-8
    ("oom_used_of.txt", 20.51, 15.48),  # the form older XLA TPU compilers use
])
def test_xlas_out_of_memory_figures_are_read(fixture: str, required: float,
                                             available: float) -> None:
    message = (PREFLIGHT_FIXTURES / fixture).read_text()
    estimate = from_out_of_memory(message, usable_bytes=1)
    assert estimate is not None and not estimate.fits
    assert estimate.peak_bytes == round(required * GIB)
    assert estimate.usable_bytes == round(available * GIB)
    assert from_out_of_memory("INTERNAL: something else", usable_bytes=1) is None
