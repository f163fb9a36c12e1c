"""The preflight of one config on one target, from config file to verdict: what the CLI prints,
what the launcher acts on, and what the run manifest records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence.eligibility import ineligibility
from evidence.findings import Code, Finding
from evidence.models.preflight import PreflightRecord
from evidence.models.profile import CompetitionProfile
from training.config import LoadedConfig, PretrainedModelConfig
from training.preflight import static_checks
from training.preflight.abstract import abstract_model
from training.preflight.alternatives import Alternative, nearest_that_fit
from training.preflight.engine import Evaluation, Evaluator
from training.preflight.figures_cache import FiguresCache
from training.preflight.model_spec import model_config
from training.preflight.resolve import Resolved, resolve
from training.preflight.search import BatchSearch, largest_batch
from training.preflight.targets import GIB, Target
from training.provenance import package_versions

TOOLS = ("jax", "jaxlib", "libtpu", "flax", "optax", "transformers")
FLOOR_CAVEAT = ("the analytic floor counts parameters, float32 gradients and optimizer state "
                "only; activations and XLA's temporaries come on top, so a floor that fits is "
                "needed but not enough")


@dataclass
class PreflightResult:
    config: LoadedConfig
    target: Target
    model_id: str
    family: str
    parameter_count: int | None  # None: the model could not be built
    evaluation: Evaluation
    tools: dict[str, str]
    eligibility: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    batch_search: BatchSearch | None = None
    compiles: int = 0  # compiles the figures cache did not spare

    @property
    def fits(self) -> bool | None:
        estimate = self.evaluation.estimate
        return None if estimate is None else estimate.fits

    @property
    def findings(self) -> list[Finding]:
        found = [*self.evaluation.findings, *self.eligibility]
        estimate = self.evaluation.estimate
        if estimate is not None and not estimate.fits:
            found.append(Finding(self.config.path, Code.PREFLIGHT_DOES_NOT_FIT,
                                 f"does not fit on {self.target.name}: needs "
                                 f"{estimate.peak_bytes / GIB:.3f} GiB per device, "
                                 f"{estimate.usable_bytes / GIB:.3f} GiB usable"))
        return found

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0

    def record(self) -> PreflightRecord | None:
        """What the run manifest keeps of it; None when no estimate was made."""
        estimate = self.evaluation.estimate
        if estimate is None:
            return None
        return PreflightRecord(
            target=self.target.name, platform=self.target.platform,
            device_kind=self.target.device_kind, devices=self.target.devices,
            config_sha256=self.config.sha256, method=estimate.method,
            predicted_peak_bytes_per_device=estimate.peak_bytes,
            usable_bytes_per_device=estimate.usable_bytes,
            verdict="fits" if estimate.fits else "does_not_fit", tools=self.tools)


def run_preflight(loaded: LoadedConfig, target: str, *, budget_bytes: int | None = None,
                  profile: CompetitionProfile | None = None, suggestions: int = 2,
                  find_max_batch: bool = False, cache_dir: Path | None = None) -> PreflightResult:
    run = loaded.config
    resolved = resolve(target, budget_bytes)
    tools = {name: version for name, version in package_versions().items() if name in TOOLS}
    hf_config = model_config(run.model)
    broken = static_checks.check_positions(loaded.path, run, hf_config)
    if broken:  # the model cannot even be built at these positions
        return PreflightResult(config=loaded, target=resolved.target, model_id=_model_id(loaded),
                               family=hf_config.model_type, parameter_count=None,
                               evaluation=Evaluation(run, broken, None), tools=tools)
    model = abstract_model(run.model, hf_config)
    evaluator = Evaluator(loaded.path, model, resolved,
                          FiguresCache(cache_dir, _cache_salt(resolved.target, tools)))
    result = PreflightResult(
        config=loaded, target=resolved.target, model_id=_model_id(loaded),
        family=hf_config.model_type, parameter_count=model.parameter_count,
        evaluation=evaluator.evaluate(run), tools=tools, notes=_notes(resolved, loaded))
    if profile is not None:
        result.eligibility = _eligibility(profile, result, model.parameter_count)
    if result.fits is False and suggestions > 0:
        result.alternatives = nearest_that_fit(evaluator, run, suggestions)
    if find_max_batch:
        result.batch_search = largest_batch(evaluator, run)
    result.compiles = evaluator.compiles
    return result


def _cache_salt(target: Target, tools: dict[str, str]) -> str:
    """What decides XLA's figures besides the step itself (the target's name does not: `cpu`
    and `auto` on a CPU are the same devices)."""
    return f"{target.platform}:{target.device_kind}:{target.devices}:{target.topology}:{tools}"


def _eligibility(profile: CompetitionProfile, result: PreflightResult,
                 parameter_count: int) -> list[Finding]:
    why = ineligibility(profile, result.model_id, result.family, parameter_count)
    return [] if why is None else [Finding(result.config.path, Code.MODEL_NOT_ELIGIBLE, why,
                                           "/model/id")]


def _model_id(loaded: LoadedConfig) -> str:
    model = loaded.config.model
    return model.id if isinstance(model, PretrainedModelConfig) else f"tiny-{model.architecture}"


def _notes(resolved: Resolved, loaded: LoadedConfig) -> list[str]:
    notes = []
    if resolved.floor_reason is not None:
        notes += [resolved.floor_reason, FLOOR_CAVEAT]
    if loaded.config.model.dtype == "bfloat16" and not resolved.target.native_bfloat16:
        notes.append(f"{resolved.target.device_kind} has no native bfloat16: XLA computes "
                     "bfloat16 in float32 there (slower, with float32 temporaries). The figures "
                     "count bfloat16 storage; float32 parameters would take twice the memory")
    return notes
