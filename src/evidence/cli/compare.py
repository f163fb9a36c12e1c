"""Compare a candidate run with a baseline, item by item: the four outcomes, a paired bootstrap
95 % interval of the accuracy delta, the exact McNemar test, Holm-corrected breakdowns, and a
verdict (improved, regressed, no_significant_change).

Both runs are validated first (an archive is verified); an invalid or unpaired run is reported
with its findings and nothing is compared. Exit 0 compared, 1 findings (or, with
--fail-on-regression, a regression), 2 usage or I/O error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish

if TYPE_CHECKING:
    from rich.console import Console

NAME = "compare"
SHORT = "Compare a run with a baseline, item by item."

_RUN_HELP = "A run directory, or an archive written by `evidence package` (verified first)."


def _option_problem(alpha: float, min_delta: float | None, resamples: int) -> str | None:
    if not 0 < alpha < 1:
        return f"--alpha must lie strictly between 0 and 1, not {alpha}"
    if min_delta is not None and not 0 <= min_delta <= 1:
        return (f"--min-delta is an accuracy drop between 0 and 1 (0.02 is two points), "
                f"not {min_delta}")
    if not 1 <= resamples <= 1_000_000:
        return f"--resamples must be between 1 and 1000000, not {resamples}"
    return None


def command(
    baseline: Annotated[Path, typer.Argument(metavar="BASELINE", show_default=False,
                                             help=f"The run compared against. {_RUN_HELP}")],
    candidate: Annotated[Path, typer.Argument(metavar="CANDIDATE", show_default=False,
                                              help=f"The run being judged. {_RUN_HELP}")],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE",
        help="Also write the comparison document (comparison.json) here, atomically; "
             "`evidence validate --comparison FILE BASELINE CANDIDATE` checks it later.")] = None,
    fail_on_regression: Annotated[bool, typer.Option(
        "--fail-on-regression",
        help="Exit 1 when the candidate is significantly worse overall (exact McNemar p below "
             "--alpha and a negative delta), or when its accuracy drops by more than "
             "--min-delta, significant or not.")] = False,
    alpha: Annotated[float, typer.Option(
        "--alpha", metavar="A", help="Significance level of the verdict and the gate.")] = 0.05,
    min_delta: Annotated[float | None, typer.Option(
        "--min-delta", metavar="D",
        help="With --fail-on-regression, also fail on any accuracy drop larger than D "
             "(a fraction: 0.02 is two points). Without it, only a significant drop "
             "fails.")] = None,
    resamples: Annotated[int, typer.Option(
        "--resamples", metavar="N", help="Bootstrap resamples per scope.")] = 10_000,
    seed: Annotated[int, typer.Option(
        "--seed", metavar="S", min=0, help="Seed of the bootstrap: the same seed gives the "
                                           "same intervals.")] = 0,
    allow_template: Annotated[bool, typer.Option(
        "--allow-template", help="Accept runs whose Kaggle fields are still placeholders "
                                 "(local runs before `evidence fill`).")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    problem = _option_problem(alpha, min_delta, resamples)
    if problem is not None:
        return fail(problem, as_json=as_json, command=NAME)
    from evidence.cli.progress import hashing_progress
    from evidence.compare import CompareOptions, compare_paths

    options = CompareOptions(alpha=alpha, min_delta=min_delta, resamples=resamples, seed=seed,
                             fail_on_regression=fail_on_regression,
                             allow_template=allow_template)
    outcome = compare_paths(baseline, candidate, options,
                            progress=None if as_json or quiet else hashing_progress)
    if outcome.result and out is not None:
        from evidence.io.atomic import write_model_atomic
        from evidence.models.comparison import Comparison

        out.parent.mkdir(parents=True, exist_ok=True)
        write_model_atomic(out, Comparison.model_validate(outcome.result))

    def human(console: Console) -> None:
        from evidence.render.human import print_wrapped, render_runs

        if outcome.error is not None:
            return  # said on standard error
        if not outcome.result:
            render_runs(console, outcome.runs)
            print_wrapped(console, "not compared: fix the findings above, then compare again")
            return
        from evidence.models.comparison import Comparison
        from evidence.render.compare import render_comparison

        render_comparison(console, Comparison.model_validate(outcome.result))
        render_runs(console, [run for run in outcome.runs if not run.valid])
        if out is not None:
            print_wrapped(console, f"comparison written to {out}")

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)
