"""The preflight's verdict as plain text lines: for the terminal and for a run's log alike
(`--json` prints `verdict_json` instead)."""

from __future__ import annotations

from training.preflight.engine import shape
from training.preflight.hardware import size_text
from training.preflight.memory import MemoryEstimate
from training.preflight.result import PreflightResult

METHODS = {"xla_memory_analysis": "XLA's memory analysis of the compiled step",
           "xla_out_of_memory": "XLA refused to compile the step (RESOURCE_EXHAUSTED)",
           "analytic_floor": "analytic floor, no compiler for this target here"}


def gib(size: int) -> str:
    return size_text(size)


def verdict(estimate: MemoryEstimate) -> str:
    if estimate.fits:
        return (f"fits: {gib(estimate.needed_bytes)} of {gib(estimate.usable_bytes)} per device, "
                f"{estimate.headroom:.0%} headroom")
    return (f"does not fit by {gib(estimate.needed_bytes - estimate.usable_bytes)}: needs "
            f"{gib(estimate.needed_bytes)}, {gib(estimate.usable_bytes)} usable per device")


def _count(parameters: int | None) -> str:
    return "cannot be built" if parameters is None else f"{parameters:,} parameters"


def verdict_lines(result: PreflightResult) -> list[str]:
    run = result.config.config
    lines = [f"preflight: {result.config.path} on {result.target.name} ({result.target.about})",
             f"model {result.model_id} ({result.family}, {_count(result.parameter_count)}, "
             f"{run.model.dtype}); {shape(run)}"]
    estimate = result.evaluation.estimate
    if estimate is not None:
        parts = ", ".join(f"{name} {gib(size)}" for name, size in estimate.parts.items())
        lines.append(f"memory per device ({METHODS[estimate.method]}): {parts}")
        if estimate.activations_bytes is not None:
            lines.append(f"  + activations and XLA's temporaries, estimated: "
                         f"{gib(estimate.activations_bytes)} ({estimate.activations_how}); "
                         f"floor + estimate {gib(estimate.needed_bytes)}")
        lines.append(f"verdict: {verdict(estimate)}")
    else:
        lines.append("verdict: not estimated; fix the findings below first")
    if result.fits is False:
        lines += _alternatives(result)
    lines += _batch_search(result)
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"{finding.code}: {finding.message}" for finding in result.findings]
    lines.append("tools: " + ", ".join(f"{name} {version}"
                                       for name, version in sorted(result.tools.items())))
    return lines


def _alternatives(result: PreflightResult) -> list[str]:
    if not result.alternatives:
        run = result.config.config
        tried = "smaller micro-batch, Adafactor, fsdp, " + \
            ("QLoRA, " if run.backend == "tunix" and run.method.kind == "lora" else "") + \
            "shorter sequence"
        lines = [f"no nearby config fits ({tried} were tried in turn); a larger target or "
                 "fewer trained parameters is needed"]
        miss = result.closest_miss
        if miss is not None and miss.evaluation.estimate is not None:
            lines.append(f"  closest: {miss.change}: {verdict(miss.evaluation.estimate)}")
        return lines
    lines = ["nearest configs that fit:"]
    for alternative in result.alternatives:
        estimate = alternative.evaluation.estimate
        assert estimate is not None  # only estimated configs are alternatives
        lines.append(f"  {alternative.change}: {verdict(estimate)}")
    return lines


def _batch_search(result: PreflightResult) -> list[str]:
    search = result.batch_search
    if search is None:
        return []
    tried = ", ".join(f"{batch} {'fits' if ok else 'no'}" for batch, ok in search.tried)
    if search.largest is None:
        found = "largest batch: none fits" if search.tried else "largest batch: not searched"
    else:
        largest = search.largest
        assert largest.estimate is not None
        found = (f"largest batch that fits: {largest.run.train.batch_size} "
                 f"({verdict(largest.estimate)})")
    return [found + (f" [tried {tried}]" if tried else "")] + \
        ([f"note: {search.note}"] if search.note else [])
