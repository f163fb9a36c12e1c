"""Validate a Kaggle kernel-metadata.json: strict JSON, the model (models/kernel_metadata.py),
then the one rule that needs the disk: its code_file is there, beside it.

`evidence validate notebooks/kernel-metadata.json` reports it like a run: one subject, its
findings with the file, a JSON pointer and a stable code. A path that does not exist is a usage
error (exit 2), as a missing run directory is.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evidence.findings import Code, Finding
from evidence.io.pydantic_errors import pydantic_findings
from evidence.io.run_files import not_regular_reason
from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
from evidence.models.kernel_metadata import KERNEL_METADATA_FILE, KernelMetadata
from evidence.result import RunResult
from evidence.validation.documents import read_file_bytes


def validate_kernel_metadata(path: Path) -> RunResult:
    """Every finding about the kernel-metadata.json at `path`."""
    result = RunResult(str(path))
    if not path.exists() and not path.is_symlink():
        result.error = "no such file"
        return result
    data, result.findings = read_file_bytes(path, KERNEL_METADATA_FILE, MAX_DOCUMENT_BYTES)
    if data is None:
        return result
    try:
        raw = loads_strict(data)
    except StrictJsonError as error:
        result.findings.append(Finding(KERNEL_METADATA_FILE, error.code, error.message,
                                       error.pointer, error.line))
        return result
    try:
        metadata = KernelMetadata.model_validate_json(data)
    except ValidationError as error:
        result.findings += pydantic_findings(KERNEL_METADATA_FILE, raw, error)
        return result
    result.findings += check_code_file(path.parent, metadata.code_file)
    return result


def check_code_file(folder: Path, code_file: str) -> list[Finding]:
    """The code file is a regular file at code_file, from the metadata's folder (as `kaggle
    kernels push` resolves it; an absolute path stays absolute)."""
    target = folder / code_file
    try:
        kind = not_regular_reason(target, follow=True)
    except FileNotFoundError:
        kind = "missing"
    except OSError as error:
        kind = f"unreadable ({error.strerror or error})"
    if kind is None:
        return []
    return [Finding(KERNEL_METADATA_FILE, Code.KERNEL_CODE_FILE_MISSING,
                    f"code_file names {code_file!r}, and {target} is {kind}; put the notebook "
                    f"beside {KERNEL_METADATA_FILE} or correct code_file", "/code_file")]
