"""The files of a run directory, walked once and never through a link, and whether a path on
disk stays inside the run.

The rule "an artifact stays inside the run" has two halves. What a path says (relative, no
`..`, one line) is checked beside the field, by `models.types.RelPath`, before anything touches
the disk. Where it leads on disk (a symlink out of the run) is checked here, by
`resolves_inside`. Validation lists what the walk found against the manifest; a package is
stricter and holds regular files only, because an archive cannot say what a symlink pointed at,
and a FIFO or device would hang or leak the machine.
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
    """`paths`: the regular files; `others`: every entry that is not one and is not a
    directory walked into (symlinks, FIFOs, sockets, devices), which validation lists against
    the manifest too; `unreadable`: directories that could not be listed; `findings`: why a
    package refuses each of those."""

    paths: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def every_entry(self) -> set[str]:
        return set(self.paths) | set(self.others)


def resolves_inside(run_dir: Path, path: Path) -> bool:
    """Whether `path`, with every symlink resolved, is still inside `run_dir`."""
    return os.path.realpath(path).startswith(os.path.realpath(run_dir) + os.sep)


def _entries(run_dir: Path, directory: Path, found: RunFiles) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        relative = directory.relative_to(run_dir).as_posix()
        found.unreadable.append(relative)
        found.findings.append(Finding(
            relative, Code.FILE_UNREADABLE,
            f"cannot list the directory {relative}: {error.strerror}; what it holds cannot "
            "be checked, so make it readable"))
        return []


def _walk(run_dir: Path, directory: Path, found: RunFiles) -> None:
    for entry in _entries(run_dir, directory, found):
        path = Path(entry.path)
        relative = path.relative_to(run_dir).as_posix()
        if entry.is_symlink():
            if not entry.is_dir():  # a link to a directory is never walked into
                found.others.append(relative)
            found.findings.append(Finding(
                relative, Code.RUN_SYMLINK,
                f"{relative} is a symbolic link; a package holds regular files only, so "
                "replace it with the file itself (and list that in the manifest)"))
        elif entry.is_dir(follow_symlinks=False):
            _walk(run_dir, path, found)
        elif entry.is_file(follow_symlinks=False):
            found.paths.append(relative)
        else:
            found.others.append(relative)
            found.findings.append(Finding(
                relative, Code.RUN_SPECIAL_FILE,
                f"{relative} is not a regular file (a FIFO, socket or device); remove it"))


def collect_run_files(run_dir: Path) -> RunFiles:
    """Every regular file under `run_dir`, as sorted relative POSIX paths, and a finding for each
    symlink or special file (which is never followed or read)."""
    found = RunFiles()
    _walk(run_dir, run_dir, found)
    found.paths.sort()
    found.others.sort()
    return found


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def kind_in_words(mode: int) -> str:
    """What a file of this mode is, for a message: 'a FIFO (named pipe)', 'a directory', ..."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def not_regular_reason(path: Path, *, follow: bool = False) -> str | None:
    """Why `path` is not a regular file that can be read ('a FIFO (named pipe)', 'a dangling
    symbolic link', ...), or None when it is one (with `follow`, a symlink to one is one too).
    Looks with lstat and stat only: nothing is opened, so a FIFO or device can never block.
    Raises OSError (FileNotFoundError when there is nothing there, PermissionError when a
    directory on the way cannot be searched)."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode) and follow:
        try:
            target = os.stat(path).st_mode
        except FileNotFoundError:
            return "a dangling symbolic link (what it points at does not exist)"
        return None if stat.S_ISREG(target) else f"a symbolic link to {kind_in_words(target)}"
    if stat.S_ISLNK(mode):
        try:
            target = os.stat(path).st_mode
        except FileNotFoundError:
            return "a dangling symbolic link (what it points at does not exist)"
        except OSError:
            return "a symbolic link that cannot be followed"
        return f"a symbolic link (to {kind_in_words(target)})"
    return None if stat.S_ISREG(mode) else kind_in_words(mode)


def open_regular(path: Path, *, follow: bool = False) -> IO[bytes]:
    """Open a file for reading only if it is still a regular file and (unless `follow`) not a
    link to one. Opened without blocking, so a FIFO put in its place cannot hang the reader."""
    flags = _NO_FOLLOW if not follow else getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file any more", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
