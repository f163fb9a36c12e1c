"""Eligibility: does a run meet the rules of the chosen competition profile?

The rules: the model (family and size), and from profile 2.0 the training library, the final
checkpoint's format, and the session's length. Each broken rule is its own finding, under its
own code, pointing at the field that breaks it. The output format is not a rule a run can
break here: a profile loads only with the format the one grader grades, and validate re-grades
every prediction with it.

A profile is a small YAML file (see `evidence.models.profile`); the shipped ones live in
`evidence/profiles/` and are named by their file name without `.yaml`. Light on purpose: used by
`evidence validate --profile`, which must not import the ML stack.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evidence.findings import Code, Finding
from evidence.io.pydantic_errors import keyed_problems
from evidence.io.strict_yaml import KeyLines, StrictYamlError, loads_yaml_strict
from evidence.models.manifest import MANIFEST_FILE, RunManifest, RunManifestBase, Timings
from evidence.models.profile import PROFILE_VERSIONS, CompetitionProfile
from evidence.models.training import CheckpointRef, KaggleSession, TrainingRef
from evidence.registry import is_newer

PROFILE_SUFFIX = ".yaml"
# What to do about an ineligible model, in every message that reports one.
REMEDY = ("train an allowed model, or choose the profile of the competition you enter; "
          "see docs/preflight.md, 'Eligibility'")
SEE = "see docs/preflight.md, 'Eligibility'"


class ProfileError(Exception):
    """The profile cannot be used: no such profile, unreadable, or invalid. A usage error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shipped_profiles() -> list[str]:
    folder = resources.files("evidence") / "profiles"
    return sorted(entry.name.removesuffix(PROFILE_SUFFIX) for entry in folder.iterdir()
                  if entry.name.endswith(PROFILE_SUFFIX))


def _profile_source(name_or_path: str) -> tuple[str, bytes]:
    """(where, bytes): a shipped profile by name, otherwise a file path."""
    if name_or_path in shipped_profiles():
        shipped = resources.files("evidence") / "profiles" / (name_or_path + PROFILE_SUFFIX)
        return f"profile {name_or_path}", shipped.read_bytes()
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(f"--profile {name_or_path}: no shipped profile of that name and no "
                           f"such file; shipped: {', '.join(shipped_profiles())}")
    try:
        return str(path), path.read_bytes()
    except OSError as error:
        raise ProfileError(f"{path}: cannot read the profile: {error.strerror}") from None


def _parse(where: str, data: bytes) -> tuple[Any, KeyLines]:
    try:
        return loads_yaml_strict(where, data)
    except StrictYamlError as error:
        raise ProfileError(error.message) from None


def load_profile(name_or_path: str) -> CompetitionProfile:
    """The profile a shipped name or a file path names, or a `ProfileError` saying what is
    wrong and at which key."""
    where, data = _profile_source(name_or_path)
    raw, lines = _parse(where, data)
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if is_newer(version, PROFILE_VERSIONS):
        raise ProfileError(f"{where}: profile schema_version {version!r} is newer than this "
                           f"evidence reads ({', '.join(PROFILE_VERSIONS)}); upgrade evidence "
                           "to use this profile")
    try:
        return CompetitionProfile.model_validate(raw)
    except ValidationError as error:
        problems = keyed_problems(where, error, lines)
        raise ProfileError("invalid competition profile:\n  " + "\n  ".join(problems)) \
            from None


def ineligibility(profile: CompetitionProfile, model_id: str, family: str,
                  parameter_count: int) -> str | None:
    """Why the profile does not allow this model, or None when it does."""
    if profile.allowing(family, parameter_count) is not None:
        return None
    allowed = "; ".join(f"{model.name} (family {' or '.join(model.families)})"
                        for model in profile.allowed_models)
    gemma1 = " Family gemma is Gemma 1 (google/gemma-2b is Gemma 1)." if family == "gemma" else ""
    return (f"model {model_id} (family {family}, {parameter_count:,} parameters) is not "
            f"allowed by profile {profile.name} ({profile.title}), which allows {allowed}."
            f"{gemma1} To fix: {REMEDY}")


def library_ineligibility(profile: CompetitionProfile, library: str,
                          version: str | None = None) -> str | None:
    """Why the profile does not allow a run trained with this library, or None when it does
    (or states no library rule)."""
    allowed = profile.allowed_training_libraries
    if allowed is None or library in allowed:
        return None
    used = f"{library} {version}" if version else library
    return (f"the model was trained with {used}; profile {profile.name} ({profile.title}) "
            f"allows only {' or '.join(allowed)} as the training library. To fix: train with "
            f"{allowed[0]} (its backend and configs); {SEE}")


def checkpoint_ineligibility(profile: CompetitionProfile, checkpoint_format: str | None) \
        -> str | None:
    """Why the profile does not allow this final checkpoint (None: the run saved none), or None
    when it does (or states no checkpoint rule)."""
    allowed = profile.allowed_checkpoint_formats
    if allowed is None or checkpoint_format in allowed:
        return None
    formats = " or ".join(allowed)
    what = "the run saved no checkpoint" if checkpoint_format is None else \
        f"the checkpoint is {checkpoint_format}"
    return (f"{what}; profile {profile.name} ({profile.title}) wants a final checkpoint in "
            f"{formats}. To fix: save the final checkpoint as {formats} (the Tunix backend's "
            f"format); {SEE}")


def session_ineligibility(profile: CompetitionProfile, seconds: float, measured: str) \
        -> str | None:
    """Why a session of at least `seconds` (as `measured` says) is too long for the profile, or
    None when it is not (or the profile has no limit)."""
    limit = profile.max_session_seconds
    if limit is None or seconds <= limit:
        return None
    return (f"the run took at least {_hours(seconds)} ({measured}: {seconds:,.0f} s), over the "
            f"one session of at most {_hours(limit)} that profile {profile.name} "
            f"({profile.title}) allows. To fix: train in fewer steps or a lighter method "
            f"(LoRA) so that one session holds the run; {SEE}")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h".replace(".0 h", " h")


def _model_finding(manifest: RunManifestBase, profile: CompetitionProfile) -> list[Finding]:
    model = manifest.model
    if isinstance(model, str):
        return []
    why = ineligibility(profile, model.id, model.family, model.parameter_count)
    return [] if why is None else [Finding(MANIFEST_FILE, Code.MODEL_NOT_ELIGIBLE, why, "/model")]


def _session_finding(manifest: RunManifestBase, profile: CompetitionProfile) -> list[Finding]:
    """The session's seconds where the manifest records them (2.0), else the run's own span
    from its timings: either is a lower bound of the session, so it shows a session too long,
    never one short enough."""
    session = manifest.kaggle_session if isinstance(manifest, RunManifest) else None
    if isinstance(session, KaggleSession):
        seconds, measured, at = session.seconds, "kaggle_session.seconds", \
            "/kaggle_session/seconds"
    elif isinstance(manifest.timings, Timings):
        timings = manifest.timings
        seconds = (timings.finished_at - timings.started_at).total_seconds()
        measured, at = "from timings.started_at to finished_at", "/timings"
    else:
        return []
    why = session_ineligibility(profile, seconds, measured)
    return [] if why is None else [Finding(MANIFEST_FILE, Code.SESSION_TOO_LONG, why, at)]


def _training_findings(manifest: RunManifest, profile: CompetitionProfile) -> list[Finding]:
    findings = []
    training, checkpoint = manifest.training, manifest.checkpoint
    if isinstance(training, TrainingRef):
        why = library_ineligibility(profile, training.library, training.library_version)
        if why is not None:
            findings.append(Finding(MANIFEST_FILE, Code.TRAINING_LIBRARY_NOT_ELIGIBLE, why,
                                    "/training/library"))
    if checkpoint is None or isinstance(checkpoint, CheckpointRef):
        why = checkpoint_ineligibility(profile, checkpoint.format if checkpoint else None)
        if why is not None:
            findings.append(Finding(MANIFEST_FILE, Code.CHECKPOINT_NOT_ELIGIBLE, why,
                                    "/checkpoint/format" if checkpoint else "/checkpoint"))
    return findings


# The 2.0 rules a 1.0 manifest cannot show: the rule's name, what the manifest would record,
# and the field of 2.0 that records it.
_NEEDS_V2 = (("allowed_training_libraries", "the training library", "/training"),
             ("allowed_checkpoint_formats", "the checkpoint's format", "/checkpoint"))


def _unchecked(manifest: RunManifestBase, profile: CompetitionProfile) -> list[Finding]:
    return [Finding(MANIFEST_FILE, Code.PROFILE_RULE_UNCHECKED,
                    f"profile {profile.name}'s rule {rule} cannot be checked on a "
                    f"{manifest.schema_version} manifest, which does not record {what}; run "
                    f"`evidence migrate RUN_DIR` to upgrade it to 2.0, then fill {field}",
                    "/schema_version")
            for rule, what, field in _NEEDS_V2 if getattr(profile, rule) is not None]


def check_eligibility(manifest: RunManifestBase, profile: CompetitionProfile) -> list[Finding]:
    """A run that may be submitted (a full run, or a template whose mode is still open) must
    meet every rule of the profile; each rule it breaks is one finding. Smoke runs train a tiny
    model on purpose and are never submitted, so no rule applies to them. A field that is
    still a placeholder is not known yet: its rule waits (validate lists the placeholder)."""
    if manifest.mode == "smoke":
        return []
    findings = _model_finding(manifest, profile) + _session_finding(manifest, profile)
    if isinstance(manifest, RunManifest):
        return findings + _training_findings(manifest, profile)
    return findings + _unchecked(manifest, profile)
