"""The files of a run directory as a package sees them: regular files only, no link followed.

Validation already confines artifacts to the run; a package is stricter, because an archive
cannot say what a symlink pointed at, and a FIFO or device would hang or leak the machine.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from evidence.findings import Code, Finding

# Absent on Windows, where a symlink is refused by the walk before anything is opened.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class NotRegularFile(OSError):
    """A path that was a regular file when the run was walked is not one any more."""


@dataclass
class RunFiles:
    paths: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _walk(run_dir: Path, directory: Path, found: RunFiles) -> None:
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda entry: entry.name):
            path = Path(entry.path)
            relative = path.relative_to(run_dir).as_posix()
            if entry.is_symlink():
                found.findings.append(Finding(
                    relative, Code.RUN_SYMLINK,
                    f"{relative} is a symbolic link; a package holds regular files only, so "
                    "replace it with the file itself (and list that in the manifest)"))
            elif entry.is_dir(follow_symlinks=False):
                _walk(run_dir, path, found)
            elif entry.is_file(follow_symlinks=False):
                found.paths.append(relative)
            else:
                found.findings.append(Finding(
                    relative, Code.RUN_SPECIAL_FILE,
                    f"{relative} is not a regular file (a FIFO, socket or device); remove it"))


def collect_run_files(run_dir: Path) -> RunFiles:
    """Every regular file under `run_dir`, as sorted relative POSIX paths, and a finding for each
    symlink or special file (which is never followed or read)."""
    found = RunFiles()
    _walk(run_dir, run_dir, found)
    found.paths.sort()
    return found


def open_regular(path: Path) -> IO[bytes]:
    """Open a file for reading only if it is still a regular file and not a link to one."""
    fd = os.open(path, os.O_RDONLY | _NO_FOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file any more", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
