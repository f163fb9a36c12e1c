"""Eligibility: is the model a run trained one that the chosen competition profile allows?

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
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.models.profile import CompetitionProfile

PROFILE_SUFFIX = ".yaml"
# What to do about an ineligible model, in every message that reports one.
REMEDY = ("train an allowed model, or choose the profile of the competition you enter; "
          "see docs/preflight.md, 'Eligibility'")


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


def check_eligibility(manifest: RunManifest, profile: CompetitionProfile) -> list[Finding]:
    """The model of a run that may be submitted must be one the profile allows: a full run, or
    a template whose mode is still open. Smoke runs train a tiny model on purpose and are no
    submission; a template's model may not be known yet."""
    model = manifest.model
    if manifest.mode == "smoke" or isinstance(model, str):
        return []
    why = ineligibility(profile, model.id, model.family, model.parameter_count)
    return [] if why is None else [Finding(MANIFEST_FILE, Code.MODEL_NOT_ELIGIBLE, why, "/model")]
