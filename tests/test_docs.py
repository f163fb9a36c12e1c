"""The docs keep up with the code: every finding code and document field is documented."""

from __future__ import annotations

from evidence.findings import Code
from evidence.models.eval_summary import EvalSummary, Score
from evidence.models.kaggle import KaggleFields
from evidence.models.manifest import RunManifest
from evidence.models.prediction import Prediction
from repo_paths import REPO

DOCS = "\n".join(path.read_text() for path in sorted((REPO / "docs").glob("*.md")))
REFERENCE = (REPO / "docs" / "evidence.md").read_text()


def test_every_finding_code_is_documented() -> None:
    missing = [code.value for code in Code if f"`{code.value}`" not in DOCS]
    assert missing == []


def test_every_field_is_in_the_reference() -> None:
    models = (RunManifest, EvalSummary, Score, Prediction, KaggleFields)
    missing = [f"{model.__name__}.{name}" for model in models for name in model.model_fields
               if f"`{name}`" not in REFERENCE and f"`scorecard.{name}`" not in REFERENCE]
    assert missing == []


def test_readme_quick_start_has_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert [line.split("#")[0].strip() for line in commands] == [
        "bash scripts/quickstart.sh", "bash scripts/test.sh"]
