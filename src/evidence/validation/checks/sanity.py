"""Cross-field sanity: fields of one manifest that must fit each other.

- A run with a smoke config is a smoke run, and a smoke run names its smoke config (the trainer
  runs in smoke mode exactly when --smoke_config is given).
- A model whose id is a known model has that model's family and parameter count.
- Training and evaluation fit between the run's start and its end; a 2.0 manifest's Kaggle
  session lasts at least as long as the run it ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.findings import Code, Finding
from evidence.models.manifest import (
    MANIFEST_FILE,
    ConfigRef,
    ModelRef,
    RunManifest,
    RunManifestBase,
    Timings,
)
from evidence.models.training import KaggleSession
from evidence.models.types import is_placeholder

# A parameter count "as loaded" may differ a little from the published one (tied or untied
# embeddings, a backend's own layout); this much, and no more, is the same model.
PARAMETER_TOLERANCE = 0.02
# Clock readings are rounded; seconds measured inside the run may exceed its span by this much.
CLOCK_TOLERANCE_SECONDS = 1e-3
# The session's seconds come from another clock (the process's) than the run's times (the wall
# clock's), read at slightly different moments: this much shorter is still the same span.
SESSION_TOLERANCE_SECONDS = 1.0


@dataclass(frozen=True)
class KnownModel:
    name: str
    families: tuple[str, ...]
    parameter_count: int


_GEMMA_1_2B = KnownModel("Gemma 2B (Gemma 1)", ("gemma",), 2_506_172_416)
_GEMMA_2_2B = KnownModel("Gemma 2 2B", ("gemma2",), 2_614_341_888)
_GEMMA_3_1B = KnownModel("Gemma 3 1B", ("gemma3_text", "gemma3"), 999_885_952)
# Hub ids (compared case-insensitively) -> the model; docs/evidence.md lists them.
KNOWN_MODELS: dict[str, KnownModel] = {
    "google/gemma-2b": _GEMMA_1_2B,
    "google/gemma-2b-it": _GEMMA_1_2B,
    "google/gemma-2-2b": _GEMMA_2_2B,
    "google/gemma-2-2b-it": _GEMMA_2_2B,
    "google/gemma-3-1b-pt": _GEMMA_3_1B,
    "google/gemma-3-1b-it": _GEMMA_3_1B,
}


def _mode(manifest: RunManifestBase) -> list[Finding]:
    mode, smoke = manifest.mode, manifest.smoke_config
    if is_placeholder(mode) or is_placeholder(smoke):
        return []
    if mode == "full" and isinstance(smoke, ConfigRef):
        return [Finding(MANIFEST_FILE, Code.MODE_CONTRADICTS_CONFIG,
                        f"mode is full, but smoke_config names {smoke.path}: a run with a smoke "
                        "config trains the smoke model, so it is a smoke run", "/mode")]
    if mode == "smoke" and smoke is None:
        return [Finding(MANIFEST_FILE, Code.MODE_CONTRADICTS_CONFIG,
                        "mode is smoke, but smoke_config is null: a smoke run names the smoke "
                        "config it trained with", "/smoke_config")]
    return []


def _model(model: ModelRef) -> list[Finding]:
    known = KNOWN_MODELS.get(model.id.lower())
    if known is None:
        return []
    findings = []
    if model.family not in known.families:
        findings.append(Finding(MANIFEST_FILE, Code.MODEL_IDENTITY_MISMATCH,
                                f"model {model.id} is {known.name}, of family "
                                f"{' or '.join(known.families)}, not {model.family}",
                                "/model/family"))
    if abs(model.parameter_count - known.parameter_count) > \
            PARAMETER_TOLERANCE * known.parameter_count:
        findings.append(Finding(MANIFEST_FILE, Code.MODEL_IDENTITY_MISMATCH,
                                f"model {model.id} is {known.name}, with "
                                f"{known.parameter_count:,} parameters, not "
                                f"{model.parameter_count:,}", "/model/parameter_count"))
    return findings


def _timings(timings: Timings) -> list[Finding]:
    span = (timings.finished_at - timings.started_at).total_seconds()
    busy = timings.train_seconds + timings.eval_seconds
    if busy <= span + CLOCK_TOLERANCE_SECONDS:
        return []
    return [Finding(MANIFEST_FILE, Code.TIMINGS_INCONSISTENT,
                    f"train_seconds + eval_seconds is {busy:,.3f} s, but the run lasted "
                    f"{span:,.3f} s from started_at to finished_at", "/timings")]


def _session(session: KaggleSession, timings: Timings) -> list[Finding]:
    span = (timings.finished_at - timings.started_at).total_seconds()
    if session.seconds + SESSION_TOLERANCE_SECONDS >= span:
        return []
    return [Finding(MANIFEST_FILE, Code.TIMINGS_INCONSISTENT,
                    f"kaggle_session.seconds is {session.seconds:,.3f} s, but the run it ran "
                    f"lasted {span:,.3f} s from started_at to finished_at; the session started "
                    "before the run and ended with it", "/kaggle_session/seconds")]


def check_sanity(manifest: RunManifestBase) -> list[Finding]:
    """The manifest's fields fit each other: mode and smoke config, model id and its family
    and size, the seconds measured and the run's span (and the session's, in 2.0)."""
    findings = _mode(manifest)
    if isinstance(manifest.model, ModelRef):
        findings += _model(manifest.model)
    if isinstance(manifest.timings, Timings):
        findings += _timings(manifest.timings)
        if isinstance(manifest, RunManifest) and isinstance(manifest.kaggle_session,
                                                            KaggleSession):
            findings += _session(manifest.kaggle_session, manifest.timings)
    return findings
