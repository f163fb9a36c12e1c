"""Rendering reports at the edge: a machine report (JSON) and a human one (Rich)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from evidence.findings import Code, Finding
from evidence.result import RunResult

if TYPE_CHECKING:
    from rich.console import Console


def render_json(reports: list[RunResult]) -> str:
    runs = [{"path": report.path, "valid": report.valid,
             "findings": [finding.to_json() for finding in report.findings]}
            for report in reports]
    return json.dumps({"runs": runs}, indent=2)


def _where(finding: Finding) -> str:
    if finding.line is not None:
        return f"line {finding.line}" + (f" {finding.pointer}" if finding.pointer else "")
    return finding.pointer or "-"


def _render_file(console: Console, file: str, findings: list[Finding]) -> None:
    """One line per finding; a template's unfilled fields share one line, since they all ask
    for the same thing."""
    from rich.markup import escape

    console.print(f"  [bold]{escape(file)}[/bold]")
    unfilled = [f.pointer or "-" for f in findings if f.code is Code.TEMPLATE_UNFILLED]
    if unfilled:
        console.print(f"    [yellow]{Code.TEMPLATE_UNFILLED}[/yellow]  {len(unfilled)} "
                      f"placeholders: [cyan]{escape(' '.join(unfilled))}[/cyan]  (run "
                      "`evidence fill --from-log LOG RUN_DIR`)", soft_wrap=True)
    for finding in findings:
        if finding.code is not Code.TEMPLATE_UNFILLED:
            console.print(f"    [cyan]{escape(_where(finding))}[/cyan]  "
                          f"[yellow]{finding.code}[/yellow]  {escape(finding.message)}",
                          soft_wrap=True)


def render_human(reports: list[RunResult], console: Console) -> None:
    from rich.markup import escape

    for report in reports:
        if report.valid:
            note = f" ({report.placeholders} placeholders allowed)" if report.placeholders else ""
            console.print(f"[green]✓[/green] {escape(report.path)}: valid{note}")
            continue
        count = len(report.findings)
        console.print(f"[red]✗[/red] {escape(report.path)}: {count} finding{'s' * (count != 1)}")
        by_file: defaultdict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            by_file[finding.file].append(finding)
        for file, findings in by_file.items():
            _render_file(console, file, findings)
