"""`evidence validate` start-up does not grow with compare: nothing of the comparison (its
package, its model, numpy) is imported on validate's path, unless --comparison asks for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pairs import run_of

from runbuilder import build_run

PROBE = """
import sys
from evidence.cli import main
code = main(sys.argv[1:])
loaded = sorted(name for name in sys.modules
                if name.split('.')[0] == 'numpy' or name.startswith('evidence.compare')
                or name == 'evidence.models.comparison')
print(' '.join(loaded))
raise SystemExit(code)
"""


def _loaded(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                            text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_validate_imports_nothing_of_the_comparison(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run")
    assert _loaded("validate", "-q", str(run)) == []
    assert _loaded("hook", "-q", f"{run}/predictions.jsonl") == []


def test_compare_does_load_it(tmp_path: Path) -> None:
    """The probe can see the comparison when it is there."""
    base = run_of(tmp_path / "base", [(True, True), (False, True), (False, False)])
    cand = run_of(tmp_path / "cand", [(False, True), (True, True), (False, True)])
    loaded = _loaded("compare", "-q", "--resamples", "10", str(base), str(cand))
    assert "evidence.compare.stats" in loaded and "numpy" in loaded
