"""The human report: findings grouped by run and file, for a terminal of any width.

One line per finding: where (line and JSON pointer, only those the finding has), its code, and
its message. A template's unfilled fields share one line per file, since they ask for the same
fill. After more than one run, one summary line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from evidence.findings import Code, Finding
from evidence.result import CommandResult, RunResult

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def _where(finding: Finding) -> str:
    parts = ([f"line {finding.line}"] if finding.line is not None else []) + \
        ([finding.pointer] if finding.pointer else [])
    return " ".join(parts)


def _indented(console: Console, markup: str, indent: int, hanging: int | None = None) -> None:
    """One entry, wrapped to the console's width with every wrapped line indented too (by
    `hanging`, else by `indent`), and no trailing spaces, so that piped output stays clean."""
    from rich.text import Text

    _wrapped(console, Text.from_markup(markup), indent, indent if hanging is None else hanging)


def _wrapped(console: Console, text: Text, first: int, rest: int) -> None:
    from rich.text import Text

    for index, line in enumerate(text.wrap(console, max(20, console.width - max(first, rest)))):
        line.rstrip()
        console.print(Text(" " * (rest if index else first)) + line, soft_wrap=True)


def print_wrapped(console: Console, text: str) -> None:
    """Plain text (never read as markup), each line wrapped to the console's width: a wrapped
    line keeps the line's own indent plus two, and no line ends in spaces."""
    from rich.text import Text

    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if body:
            _wrapped(console, Text(body), indent, indent + 2)
        else:
            console.print()


def _finding_line(finding: Finding) -> str:
    from rich.markup import escape

    where = _where(finding)
    prefix = f"[cyan]{escape(where)}[/cyan]  " if where else ""
    return f"{prefix}[yellow]{finding.code}[/yellow]  {escape(finding.message)}"


def _render_file(console: Console, file: str, findings: list[Finding]) -> None:
    from rich.markup import escape

    from evidence.filling.options import fill_hint

    _indented(console, f"[bold]{escape(file)}[/bold]", 2, 4)
    unfilled = [f.pointer or "" for f in findings if f.code is Code.TEMPLATE_UNFILLED]
    if unfilled:
        _indented(console, f"[yellow]{Code.TEMPLATE_UNFILLED}[/yellow]  {len(unfilled)} "
                           f"placeholders: [cyan]{escape(' '.join(unfilled))}[/cyan]  "
                           f"({escape(fill_hint(unfilled))})", 4)
    for finding in findings:
        if finding.code is not Code.TEMPLATE_UNFILLED:
            _indented(console, _finding_line(finding), 4)


def render_run(console: Console, run: RunResult) -> None:
    from rich.markup import escape

    if run.error is not None:
        return  # said on standard error, as every usage or I/O error is
    if run.valid:
        note = f" ({run.placeholders} placeholders allowed)" if run.placeholders else ""
        _indented(console, f"[green]✓[/green] {escape(run.path)}: valid{note}", 0, 2)
        return
    count = len(run.findings)
    _indented(console, f"[red]✗[/red] {escape(run.path)}: {count} finding{'s' * (count != 1)}",
              0, 2)
    by_file: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in run.findings:
        by_file[finding.file].append(finding)
    for file, findings in by_file.items():
        _render_file(console, file, findings)


def summary_line(runs: list[RunResult]) -> str:
    valid = sum(run.valid for run in runs)
    errors = sum(run.error is not None for run in runs)
    findings = sum(len(run.findings) for run in runs)
    parts = [f"{valid} valid"]
    if len(runs) - valid - errors:
        parts.append(f"{len(runs) - valid - errors} with {findings} finding"
                     f"{'s' * (findings != 1)}")
    if errors:
        parts.append(f"{errors} not checked")
    return f"{len(runs)} runs: {', '.join(parts)}"


def render_runs(console: Console, runs: list[RunResult]) -> None:
    for run in runs:
        render_run(console, run)
    if len(runs) > 1:
        print_wrapped(console, summary_line(runs))


class TextReporter:
    """Renders a command's subjects for a person; commands add their own lines around it."""

    name = "text"

    def __init__(self, console: Console) -> None:
        self.console = console

    def render(self, outcome: CommandResult) -> None:
        render_runs(self.console, outcome.runs)
