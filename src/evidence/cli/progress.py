"""A progress bar for hashing, shown only when a file is big enough to keep a user waiting."""

from __future__ import annotations

from collections.abc import Callable

SHOW_ABOVE_BYTES = 256 * 1024 * 1024


def _silent(_: int) -> None:
    return None


def hashing_progress(name: str, total: int, verb: str = "hashing") -> Callable[[int], None]:
    if total < SHOW_ABOVE_BYTES:
        return _silent
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    from evidence.cli.common import console

    # On standard error, so that a report or --json on standard output stays clean.
    progress = Progress(TextColumn(f"{verb} {name}"), BarColumn(), DownloadColumn(),
                        TransferSpeedColumn(), transient=True, console=console(stderr=True))
    task = progress.add_task(name, total=total)
    progress.start()
    done = 0

    def advance(size: int) -> None:
        nonlocal done
        done += size
        progress.update(task, advance=size)
        if done >= total:
            progress.stop()

    return advance
