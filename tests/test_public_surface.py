"""The public surface of `evidence`: what `__init__` exports, that it stays cheap to import, and
that the trainer goes through it (the one dependency, `training -> evidence`)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import evidence
from repo_paths import REPO

INIT = REPO / "src" / "evidence" / "__init__.py"
TRAINING = REPO / "src" / "training"
EVIDENCE = REPO / "src" / "evidence"
# What `import evidence` must not pull in: the validator's own heavy parts (a command pays for
# them when it needs them) and, never, the ML stack.
NOT_ON_IMPORT = ("pydantic", "typer", "rich", "yaml", "jax", "flax", "transformers", "numpy")


def test_all_is_the_export_table_and_the_version() -> None:
    assert evidence.__all__ == ["__version__", *sorted(evidence._EXPORTS)]
    assert len(set(evidence.__all__)) == len(evidence.__all__)
    assert dir(evidence) == sorted(evidence.__all__)  # dir() sorts what __dir__ gives


@pytest.mark.parametrize("name", sorted(evidence._EXPORTS))
def test_every_export_resolves_to_its_module_s_object(name: str) -> None:
    module = importlib.import_module(evidence._EXPORTS[name])
    assert getattr(evidence, name) is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_exported'"):
        evidence.not_exported  # noqa: B018


def _type_checking_imports() -> list[tuple[str, str]]:
    """(module, name) of every import in the `if TYPE_CHECKING:` block of evidence/__init__."""
    tree = ast.parse(INIT.read_text())
    blocks = [node for node in tree.body if isinstance(node, ast.If)
              and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"]
    assert len(blocks) == 1, "one TYPE_CHECKING block"
    imports: list[tuple[str, str]] = []
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.level == 0 and node.module, \
            f"only `from evidence.<module> import <names>` there (line {node.lineno})"
        for alias in node.names:
            assert alias.asname is None, f"{alias.name} is imported under another name"
            imports.append((node.module, alias.name))
    return imports


def test_type_checking_block_imports_exactly_the_exports_from_their_modules() -> None:
    imports = _type_checking_imports()
    assert len(imports) == len(set(imports)), "a name imported twice"
    assert sorted(imports) == sorted((module, name) for name, module in evidence._EXPORTS.items())


def test_import_evidence_alone_stays_light() -> None:
    probe = ("import sys, evidence; loaded = {m.split('.')[0] for m in sys.modules}; "
             "print(' '.join(sorted(loaded & set(sys.argv[1:]))))")
    result = subprocess.run([sys.executable, "-c", probe, *NOT_ON_IMPORT], capture_output=True,
                            text=True, check=True, cwd=REPO)
    assert result.stdout.split() == [], f"`import evidence` imports {result.stdout.strip()}"


def _imports(root: Path) -> list[tuple[Path, int, str]]:
    """(file, line, module) of every absolute import under root, including
    importlib.import_module("...") and __import__("...") with a literal name."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(path, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path, node.lineno, node.module))
            elif isinstance(node, ast.Call) and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str) and (
                        (isinstance(node.func, ast.Attribute) and
                         node.func.attr == "import_module") or
                        (isinstance(node.func, ast.Name) and
                         node.func.id in {"import_module", "__import__"})):
                found.append((path, node.lineno, node.args[0].value))
    return found


def test_training_imports_evidence_only_through_its_public_surface() -> None:
    deep = [f"{path.relative_to(REPO)}:{line} imports {module}"
            for path, line, module in _imports(TRAINING) if module.startswith("evidence.")]
    assert deep == [], "import these names from `evidence` (add them to its exports if new):\n" \
        + "\n".join(deep)


def test_training_does_use_evidence() -> None:
    """Guards the test above against passing because the walk found nothing."""
    assert any(module == "evidence" for _, _, module in _imports(TRAINING))


def test_evidence_never_imports_training() -> None:
    back = [f"{path.relative_to(REPO)}:{line} imports {module}"
            for path, line, module in _imports(EVIDENCE)
            if module == "training" or module.startswith("training.")]
    assert back == []
