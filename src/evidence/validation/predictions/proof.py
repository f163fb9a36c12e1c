"""Proofs, from byte counts, that rows hold no duplicate key (msgspec and pydantic, like every fast
parser, keep the last value of a key given twice, silently).

Both proofs rest on one fact: once the rows validated, each row holds all of its ROW_KEYS keys,
and nothing else, so a block of n rows holds at least ROW_KEYS * n keys, exactly that many when
no key appears twice. A count that every key adds at least one to, and that comes to
ROW_KEYS * n, proves there is no duplicate. A count that comes out higher proves nothing: the
rows then take a slower proof, and at the last the strict reader, which names the duplicate.
"""

from __future__ import annotations

from itertools import repeat

from evidence.validation.predictions.shape import ROW_KEYS, TEXT_FIELDS, Row

_JSON_WHITESPACE = b" \t\r\n"
_NOTHING = b""
# One byte in this many: as dense as count_byte lets memchr look for them.
_DENSE = 16
# The only spellings of a colon in a JSON string other than the colon itself.
_ESCAPED_COLONS = (b"\\u003a", b"\\u003A")


def count_byte(data: bytes, byte: bytes) -> int:
    """How many times the one byte `byte` occurs in `data`. bytes.count compares every byte in
    a plain loop; deleting the byte finds each one with memchr, which scans many bytes an
    instruction: 0.04 against 0.19 µs a row for newlines, 0.13 against 0.22 for colons. Found
    one by one, dense bytes cost more than the loop (27 times as much in a block of nothing
    else), so past one in 16 bytes the loop counts them after all: a hostile block costs at most
    about 2.5 times the loop."""
    if len(byte) != 1:
        raise ValueError(f"count_byte counts one byte, not {byte!r}")
    most = len(data) // _DENSE
    found = len(data) - len(data.replace(byte, _NOTHING, most))
    return found if found < most else data.count(byte)


def colons_prove_no_duplicate(body: bytes, rows: list[Row]) -> bool:
    """Outside strings, JSON has a colon after each key and nowhere else, so the colons of
    `body` less those inside its strings count its keys exactly. Those inside are bounded from
    below by the colons of the parsed strings, less the escapes that spell a colon (a dropped
    duplicate's text is not subtracted, which can only raise the count). When no text holds a
    colon, one count of the bytes is the whole proof (about a seventh of
    `whitespace_proves_no_duplicate`)."""
    expected = ROW_KEYS * len(rows)
    colons = count_byte(body, b":")
    if colons == expected:
        return True
    if b"\\u003" in body:
        colons += sum(body.count(escape) for escape in _ESCAPED_COLONS)
    for field in TEXT_FIELDS:
        colons -= sum(map(str.count, filter(None, map(field, rows)), repeat(":")))
        # Never below `expected` while the reasoning holds; if it did, prove nothing.
        if colons == expected:
            return True
    return False


def whitespace_proves_no_duplicate(data: bytes, rows: int) -> bool:
    """True when `data` (one row, or a block of rows), with JSON whitespace deleted, has exactly
    as many `":` as its rows have keys. Every key is then a closing quote and a colon, so each
    key is counted (text inside strings can only add to the count, as `\\":`). Needs no parsed
    rows, so the careful path uses it to sort out, line by line, the rows that may go fast."""
    return data.translate(None, _JSON_WHITESPACE).count(b'":') == ROW_KEYS * rows
