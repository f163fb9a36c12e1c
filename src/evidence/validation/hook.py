"""The pre-commit hook: from the files a commit touches to the run directories to validate.

A run directory is any directory holding run_manifest.json; a file belongs to the nearest one
above it. Each run is validated once, however many of its files the commit touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from evidence.models.manifest import MANIFEST_FILE


def run_directories(files: Iterable[str | Path]) -> list[Path]:
    """The run directory of each file (the nearest one above it, if any), each once, sorted.
    Relative paths are searched up to the current directory (pre-commit's repository root)."""
    is_run: dict[Path, bool] = {}
    found: set[Path] = set()
    for file in files:
        for directory in Path(file).parents:
            if directory not in is_run:
                is_run[directory] = (directory / MANIFEST_FILE).is_file()
            if is_run[directory]:
                found.add(directory)
                break
    return sorted(found)


def is_template(run_dir: Path, patterns: Sequence[str]) -> bool:
    """Whether `run_dir` matches one of the --template patterns (shell-style, against its path
    relative to the repository root, e.g. `submission_runs/m36_v1` or `templates/*`)."""
    return any(fnmatchcase(run_dir.as_posix(), pattern) for pattern in patterns)
