"""What every command shares: the `--json` and `-q` options, the consoles, and the one way a
command ends (render its result, return its exit code)."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from evidence.result import EXIT_USAGE, CommandResult

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.validation.checks.kaggle_log import KaggleCopy

JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print one JSON envelope (tool, version, command, ok, exit_code, error, "
                   "findings, result) on standard output instead of the human report.")]
KaggleLogOption = Annotated[Path | None, typer.Option(
    "--kaggle-log", metavar="FILE",
    help="Kaggle's own copy of the run's log, as `kaggle kernels output OWNER/SLUG` downloads "
         "it (its JSON array): the run's documents and recorded log must state what it "
         "states. Takes one run.")]
QuietOption = Annotated[bool, typer.Option(
    "-q", "--quiet", help="Print nothing but errors; the exit code says the result "
                          "(0 ok, 1 findings, 2 usage or I/O error).")]


def console(stderr: bool = False) -> Console:
    """A Rich console that wraps to the terminal (or COLUMNS) and, with NO_COLOR set, writes no
    escape codes at all: not only no colour, no bold either."""
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, no_color=plain, color_system=None if plain else "auto",
                   highlight=False, emoji=False)


def fail(message: str, *, as_json: bool = False, command: str = "") -> int:
    """A usage or I/O error: one line on standard error (and the envelope with --json)."""
    if as_json:
        from evidence.render.machine import render_json

        print(render_json(CommandResult(command, error=message)))
    print(f"evidence: {message}", file=sys.stderr)
    return EXIT_USAGE


def read_kaggle_log(path: Path | None) -> tuple[KaggleCopy | None, str | None]:
    """(Kaggle's copy, None), (None, None) without --kaggle-log, or (None, why it cannot be
    used): a file that is not Kaggle's JSON log is a usage error, not a finding."""
    if path is None:
        return None, None
    from evidence.validation.checks.kaggle_log import KaggleLogError, read_kaggle_copy

    try:
        return read_kaggle_copy(path), None
    except KaggleLogError as error:
        return None, error.message


def finish(outcome: CommandResult, *, as_json: bool, quiet: bool,
           human: Callable[[Console], None] | None = None) -> int:
    """Render the outcome the way the options ask and return its exit code. `human` draws the
    command's own text report; without it the subjects' findings are listed."""
    if as_json:
        from evidence.render import reporter

        reporter("json").render(outcome)
    elif not quiet:
        out = console()
        if human is not None:
            human(out)
        else:
            reporter_text(out, outcome)
    for run in outcome.runs:
        if run.error is not None:
            print(f"evidence: {run.path}: {run.error}", file=sys.stderr)
    return outcome.exit_code


def reporter_text(out: Console, outcome: CommandResult) -> None:
    from evidence.render import reporter

    reporter("text", out).render(outcome)


def exits(command: Callable[..., int]) -> Callable[..., int]:
    """Typer ignores a command's return value; ours is the exit code, so raise it."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> int:
        code = command(*args, **kwargs)
        if code:
            raise typer.Exit(code)
        return 0

    return run


class _Reader:
    """Standard output (text or its byte buffer) whose reader may stop reading, as `| head -1`
    does: once the pipe breaks, what is left goes to the null device, quietly, and the command
    still ends with its own exit code (a valid run piped into head still exits 0)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._broken = False

    def write(self, data: Any) -> int:
        if not self._broken:
            try:
                return int(self._stream.write(data))
            except BrokenPipeError:
                self._break()
        return len(data)

    def flush(self) -> None:
        if not self._broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._break()

    @property
    def buffer(self) -> _Reader:
        return _Reader(self._stream.buffer)

    def _break(self) -> None:
        self._broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """For the length of a command: a file name that is not valid UTF-8 is written with
    backslash escapes (never a UnicodeEncodeError), and a reader that goes away ends the output
    quietly without changing the exit code."""
    stream: IO[str] = sys.stdout
    strict = isinstance(stream, io.TextIOWrapper) and stream.errors == "strict"
    if strict:
        _errors(stream, "backslashreplace")
    sys.stdout = _Reader(stream)
    try:
        yield
    finally:
        sys.stdout = stream
        if strict:
            _errors(stream, "strict")


def _errors(stream: IO[str], errors: str) -> None:
    if isinstance(stream, io.TextIOWrapper):
        with contextlib.suppress(ValueError, OSError):
            stream.reconfigure(errors=errors)
