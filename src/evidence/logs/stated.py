"""The evidence a log states: its evidence lines, each with the place it was found."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from evidence.findings import Code
from evidence.logs.errors import LogError
from evidence.logs.lines import LogLine
from evidence.logs.protocol import MARKER, EvidenceLine, ProtocolError, parse_line


@dataclass(frozen=True, slots=True)
class StatedLine:
    evidence: EvidenceLine
    at: LogLine


def evidence_in(lines: Iterable[LogLine]) -> Iterator[StatedLine]:
    """Evidence lines among a log's lines (all else is ignored); a LogError names the first
    evidence line that cannot be read (an unknown protocol version, a malformed payload)."""
    for line in lines:
        if MARKER not in line.text:
            continue
        try:
            found = parse_line(line.text)
        except ProtocolError as error:
            raise LogError(Code.LOG_EVIDENCE_UNREADABLE, f"{line.where}: {error}",
                           line.line) from None
        if found is not None:
            yield StatedLine(found, line)
