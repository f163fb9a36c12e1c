"""The preflight of one config on one target, from config file to verdict: what the CLI prints,
what the launcher acts on, and what the run manifest records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import Code, CompetitionProfile, Finding, PreflightRecord, ineligibility
from training.backends import backend_for
from training.config import LoadedConfig
from training.preflight.alternatives import Alternative, closest, nearest_that_fit
from training.preflight.engine import Evaluation, Evaluator
from training.preflight.figures_cache import FiguresCache
from training.preflight.hardware import GIB, Target
from training.preflight.memory import MemoryEstimate
from training.preflight.resolve import Resolved, resolve
from training.preflight.search import BatchSearch, largest_batch
from training.preflight.step_model import StepModel, step_model_for
from training.provenance import package_versions

TOOLS = ("jax", "jaxlib", "libtpu", "flax", "optax", "transformers")
BACKEND_TOOLS = {"tunix": ("google-tunix", "qwix")}  # what else builds that backend's step


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
    closest_miss: Alternative | None = None  # when none fits: the candidate that came nearest
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
                                 f"{estimate.needed_bytes / GIB:.3f} GiB per device, "
                                 f"{estimate.usable_bytes / GIB:.3f} GiB usable"))
        return found

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0

    def to_json(self) -> dict[str, Any]:
        """The preflight's own figures: the `result` of `--json`'s envelope."""
        run, target = self.config.config, self.target
        estimate = self.evaluation.estimate
        search = self.batch_search
        largest = search.largest if search is not None else None
        return {
            "config": {"path": self.config.path, "sha256": self.config.sha256},
            "target": {"name": target.name, "platform": target.platform,
                       "device_kind": target.device_kind, "devices": target.devices,
                       "usable_bytes_per_device": target.usable_bytes, "about": target.about},
            "model": {"id": self.model_id, "family": self.family, "dtype": run.model.dtype,
                      "parameter_count": self.parameter_count},
            "shape": {"batch_size": run.train.batch_size, "grad_accum": run.train.grad_accum,
                      "micro_batch_size": run.train.micro_batch_size,
                      "max_seq_len": run.data.max_seq_len, "optimizer": run.train.optimizer,
                      "sharding": run.sharding.strategy},
            "verdict": ("not_estimated" if estimate is None
                        else "fits" if estimate.fits else "does_not_fit"),
            "estimate": None if estimate is None else _estimate_json(estimate),
            "alternatives": [{"change": alternative.change,
                              "estimate": _estimate_json(alternative.evaluation.estimate)}
                             for alternative in self.alternatives
                             if alternative.evaluation.estimate is not None],
            "closest_miss": None if self.closest_miss is None
            or self.closest_miss.evaluation.estimate is None else {
                "change": self.closest_miss.change,
                "estimate": _estimate_json(self.closest_miss.evaluation.estimate)},
            "batch_search": None if search is None else {
                "largest_batch_size": None if largest is None else largest.run.train.batch_size,
                "tried": [{"batch_size": batch, "fits": ok} for batch, ok in search.tried],
                "note": search.note},
            "notes": list(self.notes),
            "tools": dict(self.tools),
            "compiles": self.compiles,
        }

    def record(self) -> PreflightRecord | None:
        """What the run manifest keeps of it; None when no estimate was made."""
        estimate = self.evaluation.estimate
        if estimate is None:
            return None
        return PreflightRecord(
            target=self.target.name, platform=self.target.platform,
            device_kind=self.target.device_kind, devices=self.target.devices,
            config_sha256=self.config.sha256, method=estimate.method,
            predicted_peak_bytes_per_device=estimate.needed_bytes,
            usable_bytes_per_device=estimate.usable_bytes,
            verdict="fits" if estimate.fits else "does_not_fit", tools=self.tools)


def run_preflight(loaded: LoadedConfig, target: str, *, budget_bytes: int | None = None,
                  profile: CompetitionProfile | None = None, suggestions: int = 2,
                  find_max_batch: bool = False, cache_dir: Path | None = None,
                  progress: Callable[[str], None] | None = None) -> PreflightResult:
    """`progress` is told what is being compiled (a large model's compile takes minutes)."""
    run = loaded.config
    backend = backend_for(run.backend)
    resolved = resolve(target, budget_bytes)
    wanted = TOOLS + BACKEND_TOOLS.get(run.backend, ())
    tools = {name: version for name, version in package_versions().items() if name in wanted}
    spec = backend.describe(run.model)
    broken = backend.check(loaded.path, run, spec)
    if broken:  # the model cannot even be built at these positions
        return PreflightResult(config=loaded, target=resolved.target, model_id=spec.model_id,
                               family=spec.family, parameter_count=None,
                               evaluation=Evaluation(run, broken, None), tools=tools)
    step = step_model_for(backend, run, spec)
    evaluator = Evaluator(loaded.path, backend, spec, step, resolved,
                          FiguresCache(cache_dir, _cache_salt(resolved.target, tools)), progress)
    result = PreflightResult(
        config=loaded, target=resolved.target, model_id=spec.model_id,
        family=spec.family, parameter_count=step.parameter_count,
        evaluation=evaluator.evaluate(run), tools=tools, notes=_notes(resolved, loaded, step))
    if profile is not None:
        result.eligibility = _eligibility(profile, result, step.parameter_count)
    if result.fits is False and suggestions > 0:
        misses: list[Alternative] = []
        result.alternatives = nearest_that_fit(evaluator, run, suggestions, misses=misses)
        result.closest_miss = None if result.alternatives else closest(misses)
    if find_max_batch:
        if progress is not None:
            progress("searching the largest batch that fits (each new shape is one compile)")
        result.batch_search = largest_batch(evaluator, run)
    result.compiles = evaluator.compiles
    return result


def _estimate_json(estimate: MemoryEstimate) -> dict[str, Any]:
    return {"method": estimate.method, "peak_bytes_per_device": estimate.peak_bytes,
            "usable_bytes_per_device": estimate.usable_bytes, "fits": estimate.fits,
            "headroom": round(estimate.headroom, 6), "parts": dict(estimate.parts),
            "activations_bytes_per_device": estimate.activations_bytes,
            "activations_estimated_by": estimate.activations_how}


def _cache_salt(target: Target, tools: dict[str, str]) -> str:
    """What decides XLA's figures besides the step itself (the target's name does not: `cpu`
    and `auto` on a CPU are the same devices)."""
    return f"{target.platform}:{target.device_kind}:{target.devices}:{target.topology}:{tools}"


def _eligibility(profile: CompetitionProfile, result: PreflightResult,
                 parameter_count: int) -> list[Finding]:
    why = ineligibility(profile, result.model_id, result.family, parameter_count)
    return [] if why is None else [Finding(result.config.path, Code.MODEL_NOT_ELIGIBLE, why,
                                           "/model/id")]


def _notes(resolved: Resolved, loaded: LoadedConfig, step: StepModel) -> list[str]:
    notes = []
    if resolved.floor_reason is not None:
        notes += [resolved.floor_reason, step.floor_caveat]
    notes += step.notes(loaded.config, resolved.target)
    if loaded.config.model.dtype == "bfloat16" and not resolved.target.native_bfloat16:
        notes.append(f"{resolved.target.device_kind} has no native bfloat16: XLA computes "
                     "bfloat16 in float32 there (slower, with float32 temporaries). The figures "
                     "count bfloat16 storage; float32 parameters would take twice the memory")
    return notes
