"""The one sentence that says what a comparison's numbers mean, for people, not tools."""

from __future__ import annotations

from typing import Any

from evidence.models.comparison import Verdict


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f} %"


def _points(delta: float) -> str:
    return f"{100 * delta:+.1f}"


def p_text(p: float) -> str:
    """A p value as people read it: three significant digits, never a bare 0."""
    return "< 1e-300" if p == 0 else f"{p:.3g}"


def summary_sentence(overall: dict[str, Any], verdict: Verdict, alpha: float) -> str:
    """What the overall figures mean, in one sentence."""
    low, high = overall["ci95"]
    changed = overall["fixed"] + overall["broken"]
    figures = (f"The candidate answers {_percent(overall['candidate_accuracy'])} of "
               f"{overall['n_items']} items correctly against the baseline's "
               f"{_percent(overall['baseline_accuracy'])} "
               f"({_points(overall['delta'])} points, 95 % interval {_points(low)} to "
               f"{_points(high)}); ")
    if changed == 0:
        return figures + "no item changed grade, so there is no difference to test."
    test = (f"of the {changed} items that changed grade, {overall['fixed']} were fixed and "
            f"{overall['broken']} broken (exact McNemar p = {p_text(overall['mcnemar_p'])})")
    meaning = {"improved": f"a significant improvement at alpha {alpha}",
               "regressed": f"a significant regression at alpha {alpha}",
               "no_significant_change": f"not a significant change at alpha {alpha}"}[verdict]
    return f"{figures}{test}: {meaning}."
