"""The pre-commit hook: from the files a commit touches to the run directories to validate.

A run directory is any directory holding run_manifest.json. A file belongs to every run
directory above it: the nearest, and each run that encloses that one (an outer run lists the
inner run's files as its own artifacts, or must be told they are not, so touching them touches
it too). A directory whose manifest was deleted or is a dangling link still counts as a run
when something says it was one (the touched file is its manifest, the manifest's name is still
there as a link, or the run's other documents are), so validation reports the broken run
(`file_missing`, `file_unreadable`) instead of passing over it in silence.
Each run is validated once, however many of its files the commit touches.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from evidence.models.eval_summary import EVAL_SUMMARY_FILE
from evidence.models.manifest import MANIFEST_FILE
from evidence.models.prediction import PREDICTIONS_FILE

# The names that make a directory a run: its manifest, or, once that is gone, its other documents.
_RUN_DOCUMENTS = (MANIFEST_FILE, EVAL_SUMMARY_FILE, PREDICTIONS_FILE)


def _is_run(directory: Path) -> bool:
    """Any of the run's documents by name: a file, a link (dangling or not), anything there."""
    return any(os.path.lexists(directory / name) for name in _RUN_DOCUMENTS)


def run_directories(files: Iterable[str | Path]) -> list[Path]:
    """Every run directory that each file lies in (nearest and enclosing), each once, sorted.
    A touched run_manifest.json marks its directory as a run even once it is deleted. Relative
    paths are searched up to the current directory (pre-commit's repository root)."""
    is_run: dict[Path, bool] = {}
    found: set[Path] = set()
    for file in files:
        path = Path(file)
        if path.name == MANIFEST_FILE and path.parent.is_dir():
            found.add(path.parent)
        for directory in path.parents:
            if directory not in is_run:
                is_run[directory] = _is_run(directory)
            if is_run[directory]:
                found.add(directory)
    return sorted(found)


def _segments(path: str) -> list[str]:
    return [part for part in PurePosixPath(path).parts if part not in ("", ".")]


def _match(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    if pattern[0] == "**":
        return any(_match(pattern[1:], path[skip:]) for skip in range(len(path) + 1))
    return bool(path) and fnmatchcase(path[0], pattern[0]) and _match(pattern[1:], path[1:])


def matches_template(path: str, pattern: str) -> bool:
    """Whether a run's path matches a --template pattern, one path segment at a time: `*`, `?`
    and `[...]` never cross a '/', so `templates/*` matches `templates/m36` but not
    `templates/team/run`; a segment `**` matches any number of segments (`templates/**`)."""
    return _match(_segments(pattern), _segments(path))


def is_template(run_dir: Path, patterns: Sequence[str]) -> bool:
    """Whether `run_dir` matches one of the --template patterns (shell-style, segment by
    segment, against its path relative to the repository root, e.g. `submission_runs/m36_v1`
    or `templates/*`)."""
    return any(matches_template(run_dir.as_posix(), pattern) for pattern in patterns)
