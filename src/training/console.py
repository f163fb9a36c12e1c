"""What a run prints, through one rich Console on stdout (docs/TRAINING_MODES.md, "Reading a
run"): the log lines, the progress bars and the closing summary share it, so a bar is always
redrawn below the lines and never through them.

- `say`: one plain line of the log (no wrapping, no markup, no colour), as a file or Kaggle's
  log records it; a terminal shows the same line.
- `evidence`: an `@evidence/1` line. It must reach stdout whole (the log's evidence), so it is
  never wrapped; on a terminal it is dimmed, because the person reads the summary after it.
- `progress`: the bars of training and evaluation; drawn only on a terminal (a log gets the
  step lines instead).
- `summary`: the scorecard as a table, where the evidence is, and what a smoke run's score
  means.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from evidence import EvalSummary, Score

SMOKE_SCORE_NOTE = ("a smoke run trains a tiny model from random weights for a few steps: a "
                    "score of 0 is expected, and the evidence is what this run proves")


class RunConsole:
    def __init__(self, file: IO[str] | None = None, *, force_terminal: bool | None = None,
                 width: int | None = None) -> None:
        self.console = Console(file=file, force_terminal=force_terminal, width=width,
                               highlight=False, soft_wrap=True)

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def say(self, line: str) -> None:
        self.console.out(line, highlight=False)

    def evidence(self, line: str) -> None:
        self.console.out(line, highlight=False, style="dim" if self.is_terminal else None)

    def progress(self) -> Progress:
        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=self.console, transient=True,
                        disable=not self.is_terminal, redirect_stdout=False,
                        redirect_stderr=False)

    def summary(self, summary: EvalSummary, run_dir: Path, *, smoke: bool) -> None:
        self.console.print()
        self.console.print(scorecard_table(summary), crop=False)
        self.say(f"evidence written to {run_dir} (run_manifest.json, eval_summary.json, "
                 "predictions.jsonl, metrics.jsonl)")
        if smoke:
            self.say(f"note: {SMOKE_SCORE_NOTE}")


def scorecard_table(summary: EvalSummary) -> Table:
    """overall, then each breakdown's rows: items, correct and well formed (with their rates).
    Fits 80 columns, the width a log gets."""
    table = Table(title=f"scorecard of {summary.run_id}", title_justify="left")
    for column, justify in (("breakdown", "left"), ("name", "left"), ("items", "right"),
                            ("correct", "right"), ("well formed", "right")):
        table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    card = summary.scorecard

    def add(kind: str, name: str, score: Score | str) -> None:
        if isinstance(score, str):  # a placeholder: never in the trainer's own summary
            table.add_row(kind, name, score, "", "")
            return
        table.add_row(kind, name, str(score.n_items),
                      f"{score.n_correct} ({score.accuracy:.1%})",
                      f"{score.n_format_ok} ({score.format_rate:.1%})")

    add("overall", "", card.overall)
    for kind, breakdown in (("section", card.per_section), ("category", card.per_category),
                            ("difficulty", card.per_difficulty)):
        if isinstance(breakdown, str):
            continue
        table.add_section()
        for row, (name, score) in enumerate(breakdown.items()):
            add(kind if row == 0 else "", name, score)
    return table
