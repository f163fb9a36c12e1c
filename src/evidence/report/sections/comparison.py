"""Sixth, with a baseline: the comparison. The verdict and its sentence, each scope's accuracy
delta with its 95 % interval as a forest plot (and a table of every figure: McNemar p, Holm
p, fixed, broken), then the items that flipped, fixed and broken, both responses side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evidence.models.comparison import Comparison, Flip, ScopeComparison
from evidence.report.embed import data_element
from evidence.report.html import Html, el
from evidence.report.numbers import count, p_value, percent, points
from evidence.report.parts import answer_parts
from evidence.report.sections.common import (
    data_table,
    definitions,
    details,
    findings_table,
    note,
    section,
)
from evidence.report.sections.items import pager
from evidence.report.sections.scorecard import BREAKDOWNS, ordered
from evidence.report.svg import Interval, forest_plot
from evidence.result import RunResult

_VERDICTS = {"improved": ("▲ improved", "good"), "regressed": ("▼ regressed", "bad"),
             "no_significant_change": ("● no significant change", "neutral")}


def verdict_line(comparison: Comparison) -> str:
    """One line for the page's verdict section."""
    label = _VERDICTS[comparison.verdict][0].split(" ", 1)[1]
    return (f"Compared with the baseline {comparison.baseline.run_id}: {label}, "
            f"{points(comparison.overall.delta)} accuracy.")


def _p(scope: ScopeComparison) -> float:
    return float(getattr(scope, "p_holm", scope.mcnemar_p))


def _interval(label: str, scope: ScopeComparison, alpha: float) -> Interval:
    p = _p(scope)
    named = "Holm p" if hasattr(scope, "p_holm") else "p"
    return Interval(label, scope.delta, scope.ci95[0], scope.ci95[1],
                    f"{points(scope.delta)}  {named} {p_value(p)}", significant=p < alpha)


def _scopes(comparison: Comparison) -> list[tuple[str, str, ScopeComparison]]:
    """(breakdown, key, scope) of every scope, overall first, in the scorecard's order."""
    scopes: list[tuple[str, str, ScopeComparison]] = [("overall", "overall", comparison.overall)]
    for name, _ in BREAKDOWNS:
        breakdown = getattr(comparison, name)
        scopes += [(name, key, breakdown[key]) for key in ordered(breakdown, name)]
    return scopes


def _forest(comparison: Comparison) -> Html:
    alpha = comparison.parameters.alpha
    rows = [_interval("overall", comparison.overall, alpha)]
    for name, title in BREAKDOWNS:
        breakdown = getattr(comparison, name)
        if breakdown:
            rows.append(Interval(title.lower(), heading=True))
            rows += [_interval(key, breakdown[key], alpha) for key in ordered(breakdown, name)]
    desc = "; ".join(f"{row.label}: {points(row.delta)}, 95 % interval [{points(row.low)}, "
                     f"{points(row.high)}]" for row in rows if not row.heading)
    return forest_plot("chart-forest", "Accuracy delta per scope, candidate minus baseline, "
                       "with 95 % intervals", desc, rows)


def _table(comparison: Comparison) -> Html:
    rows = []
    for name, key, scope in _scopes(comparison):
        holm = getattr(scope, "p_holm", None)
        label = key if name == "overall" else f"{name.removeprefix('per_')}: {key}"
        rows.append((f"{name}/{key}", [
            el("bdi", label), count(scope.n_items), percent(scope.baseline_accuracy),
            percent(scope.candidate_accuracy),
            el("data", points(scope.delta), value=repr(scope.delta)),
            f"[{points(scope.ci95[0])}, {points(scope.ci95[1])}]",
            el("data", p_value(scope.mcnemar_p), value=repr(scope.mcnemar_p)),
            "—" if holm is None else p_value(holm), count(scope.fixed), count(scope.broken),
            points(scope.format_rate.delta)]))
    return data_table("table-comparison", "Every scope", (
        "scope", "items", "baseline", "candidate", "delta", "95 % interval", "McNemar p",
        "Holm p", "fixed", "broken", "format rate delta"), rows)


def _runs(comparison: Comparison) -> Html:
    def side(run: Any) -> str:
        return (f"{run.run_id} ({run.mode}, {run.model_id}; predictions "
                f"{run.predictions_sha256[:12]})")

    parameters = comparison.parameters
    gate = "none" if parameters.min_delta is None else points(-parameters.min_delta)
    return definitions([
        ("baseline", el("bdi", side(comparison.baseline))),
        ("candidate (this run)", el("bdi", side(comparison.candidate))),
        ("significance level", f"{parameters.alpha:g}"),
        ("bootstrap", f"{count(parameters.resamples)} resamples, seed {parameters.seed}"),
        ("regression gate", f"{'fails' if comparison.fails_gate else 'passes'} (largest "
                            f"drop allowed: {gate})")])


def _flip(flip: Flip) -> list[Any]:
    return [flip.item_id, flip.section, flip.category, flip.difficulty, flip.reference_answer,
            flip.baseline_response, flip.baseline_answer, answer_parts(flip.baseline_response),
            flip.candidate_response, flip.candidate_answer, answer_parts(flip.candidate_response)]


def _flips(comparison: Comparison, compress_over: int) -> tuple[Html, Html]:
    fixed, broken = comparison.flips.fixed, comparison.flips.broken
    tabs = el("div", el("button", f"fixed ({count(len(fixed))})", type="button", data_list="fixed",
                        aria_pressed="true", disabled=True),
              el("button", f"broken ({count(len(broken))})", type="button", data_list="broken",
                 aria_pressed="false", disabled=True), role="group", aria_label="Flipped items",
              class_="outcomes")
    body = el("div", el("h3", "Items that flipped"),
              note("Fixed: wrong in the baseline, right in this run. Broken: the other way."),
              tabs, el("div", "", id="flips", class_="flips"), pager("flips"))
    data = {"fixed": [_flip(flip) for flip in fixed], "broken": [_flip(flip) for flip in broken]}
    return body, data_element("flips-data", data, compress_over)


def _not_compared(runs: Sequence[RunResult]) -> Html:
    body = [note("No comparison could be made: both runs must be valid and evaluated on the "
                 "same items.", "note warn")]
    for index, run in enumerate(runs):
        if run.findings:
            body.append(findings_table(f"compare-findings-{index}", run.path, run.findings))
    return section("comparison", "Comparison with the baseline", *body)


def comparison_section(comparison: Comparison | None, runs: Sequence[RunResult],
                       compress_over: int) -> tuple[Html, Html]:
    if comparison is None:
        return _not_compared(runs), Html("")
    label, tone = _VERDICTS[comparison.verdict]
    flips, data = _flips(comparison, compress_over)
    body = section(
        "comparison", "Comparison with the baseline",
        el("p", el("span", label, class_=f"badge {tone}"), " ", comparison.summary,
           class_="banner", data_verdict=comparison.verdict),
        _runs(comparison), _forest(comparison),
        details("Every scope: the numbers", _table(comparison)), flips)
    return body, data
