"""Where the repository and the test fixtures are (importable from any test directory)."""

from pathlib import Path

REPO = Path(__file__).parent.parent
FIXTURES = REPO / "tests" / "fixtures"
