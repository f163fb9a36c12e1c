"""The archive layout: `evidence.lock.json` at the top, the run's files under `<run_id>/`.

Every entry gets the same timestamp, permissions and creator system, and its compression follows
from its name alone, so the same run directory always gives the same bytes.
"""

from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath

# The earliest time a zip can state; any fixed time would do.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
_UNIX = 3
# Text evidence shrinks well; weights and other binaries barely do, and deflating a checkpoint of
# gigabytes would cost minutes for nothing, so those are stored as they are.
DEFLATED_SUFFIXES = frozenset({".json", ".jsonl", ".txt", ".log", ".yaml", ".yml", ".csv", ".md"})
_DRIVE = re.compile(r"^[A-Za-z]:")


def entry_name(run_id: str, path: str) -> str:
    """The archive entry of the run's file `path` (relative to the run directory)."""
    return f"{run_id}/{path}"


def zip_entry(name: str, size: int) -> zipfile.ZipInfo:
    """The header of one archive entry: all that varies is the name and the size."""
    info = zipfile.ZipInfo(name, FIXED_DATE_TIME)
    info.create_system = _UNIX
    info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
    deflate = PurePosixPath(name).suffix.lower() in DEFLATED_SUFFIXES
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    # Known up front so that zipfile picks Zip64 for large files by size, the same way each time.
    info.file_size = size
    return info


def unsafe_name_reason(info: zipfile.ZipInfo) -> str | None:
    """Why an entry's name could write outside the extraction directory or alias another
    entry, or None when it is a plain relative path."""
    name = info.filename
    if info.orig_filename != name:
        return "its name holds a NUL byte or a backslash separator"
    if "\\" in name:
        return "its name uses '\\' as a separator"
    if name.startswith("/") or _DRIVE.match(name):
        return "its name is absolute"
    parts = name.split("/")
    if ".." in parts:
        return "its name contains '..'"
    if "" in parts or "." in parts:
        return "its name has an empty or '.' component"
    return None


def is_symlink_entry(info: zipfile.ZipInfo) -> bool:
    return info.create_system == _UNIX and stat.S_ISLNK(info.external_attr >> 16)


def portable_key(name: str) -> str:
    """What a case-insensitive or Unicode-normalising file system (macOS, Windows) makes of a
    name: two names with one key are one file there. Case is folded (casefold, a little wider
    than any file system's folding, so a doubtful pair is refused rather than let through) and
    canonical equivalents are one (NFC: é composed and decomposed)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def colliding_names(names: Iterable[str]) -> list[tuple[str, str]]:
    """Each name that is one file with an earlier name (in sorted order) on such a file system,
    as (earlier, name). An archive holds names that are distinct everywhere it is extracted."""
    first: dict[str, str] = {}
    pairs = []
    for name in sorted(names):
        key = portable_key(name)
        if key in first:
            pairs.append((first[key], name))
        else:
            first[key] = name
    return pairs
