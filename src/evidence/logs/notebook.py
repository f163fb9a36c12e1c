"""An executed notebook (nbformat 4): the stream outputs of its code cells, in cell order.

A notebook is one JSON document, so it is read whole, up to a limit; a bigger one is refused
with the advice to use Kaggle's log, which is read in a stream.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, BinaryIO

from evidence.findings import Code
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.logs.errors import LogError
from evidence.logs.kaggle import BOM
from evidence.logs.lines import STREAMS, LineAssembler, LogLine

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


def _malformed(message: str) -> LogError:
    return LogError(Code.LOG_MALFORMED, f"not an executed notebook: {message}")


def _read_notebook(handle: BinaryIO) -> dict[str, Any]:
    # Not read(MAX_NOTEBOOK_BYTES + 1) on a small file: read(n) sets n bytes aside first.
    try:
        size = os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # an in-memory handle
        size = MAX_NOTEBOOK_BYTES
    data = handle.read(min(size, MAX_NOTEBOOK_BYTES) + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise LogError(Code.FILE_TOO_LARGE,
                       f"the notebook is over {MAX_NOTEBOOK_BYTES} bytes; give Kaggle's log "
                       "(Download logs) instead, which is read in a stream")
    try:
        notebook = loads_strict(data.removeprefix(BOM), max_bytes=MAX_NOTEBOOK_BYTES)
    except StrictJsonError as error:
        raise LogError(Code.LOG_MALFORMED, f"not a readable notebook: {error.message}",
                       error.line) from None
    if notebook.get("nbformat") != 4:
        raise _malformed(f"nbformat is {notebook.get('nbformat')!r}; only nbformat 4 is read")
    if not isinstance(notebook.get("cells"), list):
        raise _malformed("'cells' is missing or not a list")
    return notebook


def _stream_text(output: Any, where: str) -> tuple[str, str] | None:
    """(stream, text) of a stream output; None for other outputs (results, images, errors)."""
    if not isinstance(output, dict) or not isinstance(output.get("output_type"), str):
        raise _malformed(f"{where} is not an output object with an output_type")
    if output["output_type"] != "stream":
        return None
    name, text = output.get("name"), output.get("text")
    if name not in STREAMS:
        raise _malformed(f"{where}: stream name is {name!r}, expected 'stdout' or 'stderr'")
    if isinstance(text, list) and all(isinstance(part, str) for part in text):
        text = "".join(text)
    if not isinstance(text, str):
        raise _malformed(f"{where}: text is not a string or a list of strings")
    return name, text


def _cell_lines(cell: Any, number: int, wanted: str | None) -> Iterator[LogLine]:
    if not isinstance(cell, dict):
        raise _malformed(f"cell {number} is not an object")
    if cell.get("cell_type") != "code":
        return
    outputs = cell.get("outputs", [])
    if not isinstance(outputs, list):
        raise _malformed(f"cell {number}: outputs is not a list")
    streams = {name: LineAssembler(wanted) for name in STREAMS}
    for index, output in enumerate(outputs, start=1):
        found = _stream_text(output, f"cell {number}, output {index}")
        if found is not None:
            for piece in streams[found[0]].feed(found[1]):
                yield LogLine(piece.text, f"cell {number} ({found[0]})", None, found[0])
    for name, assembler in streams.items():
        for piece in assembler.close():
            yield LogLine(piece.text, f"cell {number} ({name})", None, name)


def read_notebook(handle: BinaryIO, wanted: str | None = None) -> Iterator[LogLine]:
    for number, cell in enumerate(_read_notebook(handle)["cells"], start=1):
        yield from _cell_lines(cell, number, wanted)
