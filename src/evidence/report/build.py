"""`build_report`: a run (and a baseline) in, the page out, as a `Report` that writes itself to
a file and shows itself in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from evidence.io.atomic import write_bytes_atomic
from evidence.models.comparison import Comparison
from evidence.models.types import is_placeholder
from evidence.report.embed import COMPRESS_OVER
from evidence.report.html import Html
from evidence.report.load import RunData, load_run
from evidence.report.page import render_page
from evidence.report.sections.comparison import comparison_section, verdict_line
from evidence.report.sections.identity import identity_section, unreadable_section
from evidence.report.sections.items import items_section
from evidence.report.sections.scorecard import scorecard_section
from evidence.report.sections.training import training_section
from evidence.report.sections.verdict import verdict_section
from evidence.result import RunResult


class ReportError(Exception):
    """The report cannot be made at all (no such run, not a run): a usage or I/O error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Compared:
    """What comparing with the baseline gave: the comparison, or the findings that kept it
    from being made: the baseline's own, and those of the pairing (`others`: another data
    set, other items)."""

    comparison: Comparison | None
    baseline: RunResult
    others: list[RunResult] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    """The page, and the checks behind it: `runs` holds the run's findings (and the
    baseline's), `valid` says whether the run itself is valid."""

    html: str
    runs: list[RunResult]
    valid: bool

    def write(self, path: Path) -> int:
        """Write the page atomically; returns its size in bytes."""
        data = self.html.encode("utf-8")
        write_bytes_atomic(path, data)
        return len(data)

    def iframe(self, height: int = 900) -> str:
        """The page inside an `<iframe srcdoc>`, for a notebook: its script, styles and
        policy stay its own, apart from the notebook's."""
        return iframe(self.html, height)

    def _repr_html_(self) -> str:
        return self.iframe()


def iframe(page: str, height: int = 900) -> str:
    """Any report page (a file read back, say) as an iframe a notebook shows inline."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" title="evidence report" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #d9d9de"></iframe>')


def compare_with(baseline: Path, run: Path, allow_template: bool) -> Compared:
    """Compare the run (the candidate) with the baseline, by the one comparison engine."""
    from evidence.compare import CompareOptions, compare_paths

    outcome = compare_paths(baseline, run, CompareOptions(allow_template=allow_template))
    for checked in outcome.runs:
        if checked.error is not None:
            raise ReportError(f"{checked.path}: {checked.error}")
    comparison = Comparison.model_validate(outcome.result) if outcome.result else None
    # runs: the baseline's result, the candidate's (this run: shown already), then the
    # comparison's own subject when pairing found something
    return Compared(comparison, outcome.runs[0], list(outcome.runs[2:]))


def _subtitle(data: RunData) -> str:
    raw = data.manifest_raw or {}
    model = raw.get("model")
    model_id = model.get("id") if isinstance(model, dict) else None
    parts = [str(raw.get("mode", "")), str(model_id or "")]
    return " · ".join(part for part in parts if part and not is_placeholder(part))


def page_for(data: RunData, compared: Compared | None,
             compress_over: int = COMPRESS_OVER) -> str:
    """The page of a loaded run (and its comparison, when asked for)."""
    if not data.readable:
        return render_page(f"evidence report: {data.result.path}", "A run that cannot be read",
                           "", [("verdict", verdict_section(data.result, None, None)),
                                ("identity", unreadable_section())], [])
    items, items_data = items_section(data.predictions, compress_over)
    sections: list[tuple[str, Html]] = [
        ("verdict", verdict_section(
            data.result, compared.baseline if compared else None,
            verdict_line(compared.comparison) if compared and compared.comparison else None)),
        ("identity", identity_section(data.manifest_raw)),
        ("scorecard", scorecard_section(data.summary)),
        ("training", training_section(data.metrics, data.preflight)),
        ("items-section", items)]
    scripts = [items_data]
    if compared is not None:
        section, flips = comparison_section(compared.comparison,
                                            [compared.baseline, *compared.others], compress_over)
        sections.append(("comparison", section))
        scripts.append(flips)
    return render_page(f"evidence report: {data.run_id}", f"Run {data.run_id}",
                       _subtitle(data), sections, scripts)


def build_report(run: Path, *, baseline: Path | None = None, allow_template: bool = False,
                 compress_over: int = COMPRESS_OVER) -> Report:
    """The report of `run` (a run directory or an archive), compared with `baseline` when
    given. Raises ReportError when either is not a run at all."""
    data = read_run(run, allow_template=allow_template, items=True)
    compared = compare_with(baseline, run, allow_template) if baseline is not None else None
    runs = [data.result]
    if compared is not None:
        runs += [compared.baseline, *compared.others]
    return Report(page_for(data, compared, compress_over), runs, data.result.valid)


def read_run(run: Path, *, allow_template: bool, items: bool) -> RunData:
    """The run at `run` (a directory or an archive, verified), checked and read. Raises
    ReportError when it is neither; an archive that does not verify is read no further."""
    from evidence.packaging.verify import opened_run

    with opened_run(run, allow_template=allow_template) as subject:
        if subject.result.error is not None:
            raise ReportError(f"{run}: {subject.result.error}")
        if subject.run_dir is None:  # an archive that did not verify: nothing to read
            return RunData(subject.result, None, None, None, None, None, readable=False)
        return load_run(subject.run_dir, subject.result, items=items)
