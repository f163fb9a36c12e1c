"""An archive's bytes held to what `evidence package` writes, before `verify` trusts its directory.

zipfile reads the central directory and believes it; other tools read the local headers one
after another from the start of the file. `package` writes one plain layout: entries back to
back from byte 0, each local header saying what the central directory says, no comment, no
extra field but Zip64's, each entry's compressed data ending exactly at its declared size, then
the central directory. Anything else could show two tools two different archives, so it is
refused here, before a byte is extracted.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from evidence.findings import Code, Finding

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_EXTRA_HEADER = struct.Struct("<HH")
_ZIP64 = 0x0001
_DATA_DESCRIPTOR = 0x0008
_SMALL = 0xFFFFFFFF
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class _Local:
    """An entry's local header, as read from the bytes at its offset."""

    name: bytes
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    data_start: int


def _extra_ids(extra: bytes) -> list[int] | None:
    """The ids of the extra fields in `extra`, or None when they do not parse."""
    ids, offset = [], 0
    while offset < len(extra):
        if offset + _EXTRA_HEADER.size > len(extra):
            return None
        ident, size = _EXTRA_HEADER.unpack_from(extra, offset)
        offset += _EXTRA_HEADER.size + size
        if offset > len(extra):
            return None
        ids.append(ident)
    return ids


def _zip64_sizes(extra: bytes, file_size: int, compress_size: int) -> tuple[int, int]:
    """A local header's sizes, with Zip64's 64-bit ones where the 32-bit fields are full."""
    offset = 0
    while offset + _EXTRA_HEADER.size <= len(extra):
        ident, size = _EXTRA_HEADER.unpack_from(extra, offset)
        body = extra[offset + 4:offset + 4 + size]
        if ident == _ZIP64:
            values = [value for (value,) in struct.iter_unpack("<Q", body[:len(body) // 8 * 8])]
            if file_size == _SMALL and values:
                file_size = values.pop(0)
            if compress_size == _SMALL and values:
                compress_size = values.pop(0)
        offset += 4 + size
    return file_size, compress_size


def _read_local(fp: IO[bytes], info: zipfile.ZipInfo) -> tuple[_Local | None, bytes]:
    if info.header_offset < 0:  # a corrupt directory can put an entry before the file's start
        return None, b""
    fp.seek(info.header_offset)
    fixed = fp.read(_LOCAL.size)
    if len(fixed) < _LOCAL.size:
        return None, b""
    (signature, _version, flags, method, _time, _date, crc, compress_size, file_size,
     name_length, extra_length) = _LOCAL.unpack(fixed)
    if signature != _LOCAL_SIGNATURE:
        return None, b""
    name = fp.read(name_length)
    extra = fp.read(extra_length)
    file_size, compress_size = _zip64_sizes(extra, file_size, compress_size)
    start = info.header_offset + _LOCAL.size + name_length + extra_length
    return _Local(name, flags, method, crc, compress_size, file_size, start), extra


def _central_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _disagreements(info: zipfile.ZipInfo, local: _Local) -> list[str]:
    pairs = [("name", _central_name(info), local.name), ("flags", info.flag_bits, local.flags),
             ("method", info.compress_type, local.method), ("crc", info.CRC, local.crc),
             ("compressed size", info.compress_size, local.compress_size),
             ("size", info.file_size, local.file_size)]
    found = [f"{what} {theirs!a} where the central directory says {ours!a}"
             for what, ours, theirs in pairs if ours != theirs]
    if info.flag_bits & _DATA_DESCRIPTOR:
        found.append("a trailing data descriptor, which `evidence package` never writes")
    return found


def _extra_problem(name: str, extra: bytes, where: str) -> Finding | None:
    ids = _extra_ids(extra)
    if ids is None:
        return Finding(name, Code.ARCHIVE_EXTRA_FIELD,
                       f"{name!r}: the extra fields of its {where} do not parse")
    unknown = sorted({ident for ident in ids if ident != _ZIP64})
    if unknown:
        listed = ", ".join(f"0x{ident:04x}" for ident in unknown)
        return Finding(name, Code.ARCHIVE_EXTRA_FIELD,
                       f"{name!r}: its {where} holds extra field {listed}; `evidence package` "
                       "writes none but Zip64's (0x0001)")
    return None


def _stream_end(fp: IO[bytes], info: zipfile.ZipInfo, local: _Local) -> Finding | None:
    """Whether a deflated entry's data ends exactly at its declared compressed size. Output is
    thrown away as it comes, and reading stops once it passes the declared size (extraction
    reports that), so memory stays flat whatever the entry holds."""
    name = info.filename
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    fp.seek(local.data_start)
    left, produced = info.compress_size, 0
    try:
        while left and not inflate.eof:
            data = fp.read(min(left, _CHUNK))
            if not data:
                return None  # a truncated file: zipfile reports it while extracting
            left -= len(data)
            while data and not inflate.eof:
                produced += len(inflate.decompress(data, _CHUNK))
                if produced > info.file_size:
                    return None
                data = inflate.unconsumed_tail
    except zlib.error:
        return None  # corrupt data: extraction reports it as unreadable
    if not inflate.eof:
        return Finding(name, Code.ARCHIVE_DATA_OVERRUN,
                       f"{name!r}: its compressed data runs past its declared "
                       f"{info.compress_size} bytes (the stream has not ended there)")
    hidden = left + len(inflate.unused_data)
    if hidden:
        return Finding(name, Code.ARCHIVE_STRAY_BYTES,
                       f"{name!r}: its compressed data ends {hidden} bytes before its declared "
                       f"{info.compress_size} bytes; those bytes belong to no file")
    return None


def _entry_problems(fp: IO[bytes], info: zipfile.ZipInfo) -> tuple[list[Finding], int]:
    """What is wrong with one entry's own bytes, and where its bytes end."""
    name = info.filename
    local, local_extra = _read_local(fp, info)
    end = info.header_offset + _LOCAL.size + len(_central_name(info)) + info.compress_size
    if local is None:
        return [Finding(name, Code.ARCHIVE_HEADER_MISMATCH,
                        f"{name!r}: no local header at offset {info.header_offset}, where "
                        "the central directory puts it")], end
    end = local.data_start + info.compress_size
    findings = [problem for problem in (_extra_problem(name, info.extra, "central header"),
                                        _extra_problem(name, local_extra, "local header"))
                if problem is not None]
    disagreements = _disagreements(info, local)
    if disagreements:
        findings.append(Finding(name, Code.ARCHIVE_HEADER_MISMATCH,
                                f"{name!r}: its local header states "
                                + "; ".join(disagreements)))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        ending = _stream_end(fp, info, local)
        findings += [ending] if ending is not None else []
    return findings, end


def _layout(name: str, start: int, expected: int, first: bool) -> Finding | None:
    if start > expected:
        where = "before the first entry" if first else "before it"
        return Finding(name, Code.ARCHIVE_STRAY_BYTES,
                       f"{start - expected} bytes that belong to no entry lie {where}")
    if start < expected:
        return Finding(name, Code.ARCHIVE_OVERLAPPING_ENTRIES,
                       f"{name!r} starts at byte {start}, inside the entry before it "
                       f"(which ends at byte {expected}): two entries share bytes")
    return None


def structure_problems(archive: zipfile.ZipFile, label: str) -> list[Finding]:
    """Everything in the archive's bytes that `evidence package` never writes. `label` names
    the archive in findings about it as a whole."""
    fp = archive.fp
    if fp is None:
        return []
    findings: list[Finding] = []
    if archive.comment:
        findings.append(Finding(label, Code.ARCHIVE_COMMENT,
                                f"the archive has a comment of {len(archive.comment)} bytes; "
                                "`evidence package` writes none"))
    expected = 0
    infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    for index, info in enumerate(infos):
        placed = _layout(info.filename, info.header_offset, expected, index == 0)
        findings += [placed] if placed is not None else []
        problems, end = _entry_problems(fp, info)
        findings += problems
        expected = max(expected, end)
    directory: int = getattr(archive, "start_dir", expected)
    if directory > expected:
        findings.append(Finding(label, Code.ARCHIVE_STRAY_BYTES,
                                f"{directory - expected} bytes that belong to no entry lie "
                                "before the central directory"))
    elif directory < expected:
        findings.append(Finding(label, Code.ARCHIVE_OVERLAPPING_ENTRIES,
                                f"the central directory starts at byte {directory}, inside the "
                                f"last entry (which ends at byte {expected})"))
    return findings
