"""The human report of a comparison: overall first, then each breakdown with its most
significant entries first, then the items that changed grade, then what the numbers mean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence.compare.summary import p_text
from evidence.models.comparison import Comparison, Flip, ScopeComparison

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

# Flips listed in the terminal per kind; the document (--json, --out) holds them all.
SHOWN_FLIPS = 10
_VERDICT_STYLE = {"improved": "green", "regressed": "red", "no_significant_change": "yellow"}


def _points(delta: float) -> str:
    return f"{100 * delta:+.1f}"


def _table(breakdown: bool) -> Table:
    """A breakdown's entries have a Holm p; the format delta is shown overall only, to fit 80
    columns (every scope's is in the document)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1, 0, 0))
    table.add_column("scope", overflow="fold", min_width=10)
    for header in ("n", "accuracy %", "delta [95 % interval]", "fix/brk", "p",
                   *(["Holm p"] if breakdown else ["format"])):
        table.add_column(header, justify="right", no_wrap=True)
    return table


def _row(name: str, scope: ScopeComparison, holm: float | None) -> list[str]:
    low, high = scope.ci95
    return [name, str(scope.n_items),
            f"{100 * scope.baseline_accuracy:.1f} → {100 * scope.candidate_accuracy:.1f}",
            f"{_points(scope.delta)} [{_points(low)}, {_points(high)}]",
            f"{scope.fixed}/{scope.broken}", p_text(scope.mcnemar_p),
            p_text(holm) if holm is not None else _points(scope.format_rate.delta)]


def _print_table(console: Console, table: Table) -> None:
    """A table line by line without the spaces that pad its cells at the end of a line, so
    piped output stays clean."""
    from rich.segment import Segment, Segments

    for line in console.render_lines(table, pad=False):
        while line and not line[-1].text.strip():
            line.pop()
        if line:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(), last.style, last.control)
        console.print(Segments([*line, Segment.line()]), end="", soft_wrap=True)


def _add(table: Table, cells: list[str]) -> None:
    """Cells are data (item ids, answers, section names), never markup."""
    from rich.text import Text

    table.add_row(*(Text(cell) for cell in cells))


def _breakdown_tables(comparison: Comparison) -> list[tuple[str, Table]]:
    tables = []
    for name in ("per_section", "per_category", "per_difficulty"):
        entries = getattr(comparison, name)
        table = _table(breakdown=True)
        for key, entry in sorted(entries.items(), key=lambda kv: (kv[1].p_holm, kv[0])):
            _add(table, _row(key, entry, entry.p_holm))
        tables.append((f"{name}, most significant first", table))
    return tables


def _flip_table(flips: list[Flip]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for header in ("item", "reference", "baseline answer", "candidate answer"):
        table.add_column(header, overflow="fold")
    for flip in flips[:SHOWN_FLIPS]:
        _add(table, [flip.item_id, flip.reference_answer,
                     "(no answer)" if flip.baseline_answer is None else flip.baseline_answer,
                     "(no answer)" if flip.candidate_answer is None else flip.candidate_answer])
    return table


def render_comparison(console: Console, comparison: Comparison) -> None:
    from rich.markup import escape

    from evidence.render.human import print_wrapped

    base, cand = comparison.baseline, comparison.candidate
    print_wrapped(console, f"baseline  {base.run_id} ({base.model_id}, {base.mode})")
    print_wrapped(console, f"candidate {cand.run_id} ({cand.model_id}, {cand.mode})")
    overall = _table(breakdown=False)
    _add(overall, _row("all items", comparison.overall, None))
    print_wrapped(console, "overall: accuracy baseline → candidate; delta, its interval and "
                           "the format delta in points; p: exact McNemar")
    _print_table(console, overall)
    for title, table in _breakdown_tables(comparison):
        console.print()
        print_wrapped(console, title)
        _print_table(console, table)
    for kind in ("fixed", "broken"):
        flips = getattr(comparison.flips, kind)
        if flips:
            console.print()
            print_wrapped(console, f"{kind}: {len(flips)} items")
            _print_table(console, _flip_table(flips))
        if len(flips) > SHOWN_FLIPS:
            print_wrapped(console, f"  ... and {len(flips) - SHOWN_FLIPS} more; --json or "
                                   "--out holds every one with both responses")
    console.print()
    style = _VERDICT_STYLE[comparison.verdict]
    gate = "  (fails the regression gate)" if comparison.fails_gate else ""
    console.print(f"[bold {style}]{comparison.verdict}[/bold {style}]{escape(gate)}")
    print_wrapped(console, comparison.summary)
