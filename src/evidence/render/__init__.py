"""Reporters: a `CommandResult` rendered for a person (`human`, text) or a program (`machine`,
the JSON envelope). Both have `render(outcome)`; the CLI picks one by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.result import CommandResult


class Reporter(Protocol):
    name: str

    def render(self, outcome: CommandResult) -> None: ...


def reporter(name: str, console: Console | None = None) -> Reporter:
    """The reporter called `name` ("text" or "json"). Only text needs a console: the JSON one
    prints plain text, so `--json` never imports Rich (about 30 ms of start-up)."""
    if name == "json":
        from evidence.render.machine import JsonReporter

        return JsonReporter()
    if name == "text":
        from evidence.render.human import TextReporter

        if console is None:
            raise ValueError("the text reporter needs a console")
        return TextReporter(console)
    raise ValueError(f"no reporter named {name!r}; choose text or json")
