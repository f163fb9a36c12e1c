#!/usr/bin/env python3
"""Check that committed notebooks are clean: valid nbformat 4, no outputs, no execution counts,
no run metadata, no absolute paths of a machine (Kaggle's documented /kaggle/ paths are fine),
nothing that looks like a secret, and code cells that are Python once IPython's `%` and `!`
lines are set aside.

    python scripts/check_notebook.py [NOTEBOOK ...]     (default: notebooks/*.ipynb)

Exit 0 clean, 1 a notebook has problems (one line each: file, cell, what), 2 no such file or
nbformat missing. Used by tests/notebook/test_notebook_clean.py and the pre-commit hook in
.pre-commit-config.yaml.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# Paths that name one machine: home folders, this project's build machines, temporary folders.
MACHINE_PATH = re.compile(r"(?<![\w.~-])(?:/home/|/root/|/work/|/tmp/|/Users/|/mnt/|/var/"
                          r"|/private/|/opt/|[A-Za-z]:\\+(?:Users|Documents and Settings))")
# Secrets as their issuers shape them, and a literal assigned to a secret-like name.
SECRET_SHAPES = {
    "a Hugging Face token": r"\bhf_[A-Za-z0-9]{30,}",
    "a GitHub token": r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
    "an AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "a Kaggle API key (32 hex digits)": r"\b[0-9a-f]{32}\b",
    "an API key": r"\bsk-[A-Za-z0-9_-]{20,}",
    "a private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    # NAME = "...", os.environ["NAME"] = "...", {"name": "..."}
    "a literal assigned to a secret's name": (r"(?i)(?:token|secret|password|passwd|api_key|"
                                              r"kaggle_key)\w*[\"']?\]?\s*[:=]\s*[\"']"
                                              r"[^\"'\s]{8,}[\"']"),
}
CELL_RUN_METADATA = ("execution", "papermill", "ExecuteTime")
NOTEBOOK_RUN_METADATA = ("papermill", "widgets")


def source_of(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def python_of(source: str) -> str:
    """The cell without IPython's line magics and shell escapes (kept as blank lines, so line
    numbers still match)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _cell_problems(index: int, cell: dict[str, Any]) -> Iterator[str]:
    where = f"cell {index}"
    if cell.get("cell_type") == "code":
        if cell.get("outputs"):
            yield f"{where}: has outputs; clear them (Edit -> Clear All Outputs)"
        if cell.get("execution_count") is not None:
            yield f"{where}: has an execution count; clear the outputs"
        try:
            compile(python_of(source_of(cell)), f"<{where}>", "exec")
        except SyntaxError as error:
            yield f"{where}: line {error.lineno}: not Python: {error.msg}"
    for key in CELL_RUN_METADATA:
        if key in cell.get("metadata", {}):
            yield f"{where}: metadata {key!r} records a run; remove it"


def problems(path: Path) -> list[str]:
    """Every problem of the notebook at `path`, one line each, naming the cell."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        return [f"not JSON: {error}"]
    found = [f"nbformat: {problem}" for problem in _schema_problems(notebook)]
    for index, cell in enumerate(notebook.get("cells", [])):
        found += _cell_problems(index, cell)
    found += [f"metadata {key!r} records a run; remove it"
              for key in NOTEBOOK_RUN_METADATA if key in notebook.get("metadata", {})]
    for where, content in _texts(notebook):
        found += _text_problems(where, content)
    return found


def _texts(notebook: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """What a person wrote, decoded from the JSON: each cell's source, and the metadata."""
    yield "metadata", json.dumps(notebook.get("metadata", {}), indent=1, ensure_ascii=False)
    for index, cell in enumerate(notebook.get("cells", [])):
        yield f"cell {index}", source_of(cell)
        yield f"cell {index} metadata", json.dumps(cell.get("metadata", {}), ensure_ascii=False)


def _text_problems(where: str, content: str) -> Iterator[str]:
    for number, line in enumerate(content.splitlines(), 1):
        if match := MACHINE_PATH.search(line):
            yield (f"{where}: line {number}: an absolute path of a machine "
                   f"({match.group(0)}...); use a path relative to the repository, or a "
                   "parameter")
        for what, pattern in SECRET_SHAPES.items():
            if re.search(pattern, line):
                yield (f"{where}: line {number}: looks like {what}; never commit a secret "
                       "(read it from Kaggle Secrets or the environment)")


def _schema_problems(notebook: Any) -> list[str]:
    import nbformat
    from nbformat.validator import NotebookValidationError

    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        return ["not an nbformat 4 notebook"]
    try:
        nbformat.validate(nbformat.from_dict(notebook))
    except NotebookValidationError as error:
        return [str(error).splitlines()[0]]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(arg) for arg in args] or sorted(Path("notebooks").glob("*.ipynb"))
    try:
        import nbformat  # noqa: F401
    except ImportError:
        print("check_notebook: nbformat is missing: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        if not path.is_file():
            print(f"{path}: no such notebook", file=sys.stderr)
            return 2
        for problem in problems(path):
            print(f"{path}: {problem}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
