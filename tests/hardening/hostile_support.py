"""Running the real CLI on hostile inputs: in a subprocess, with a timeout, reading its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
DIGITS = "9" * 5000


@dataclass
class Outcome:
    code: int
    stdout: bytes
    stderr: str

    @property
    def envelope(self) -> dict[str, Any]:
        # Strict UTF-8 and strict JSON, whatever the run held.
        return json.loads(self.stdout.decode("utf-8", errors="strict"))

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.envelope["findings"])


def evidence(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Outcome:
    """`python -m evidence ARGS...`; a hang fails the test instead of blocking the suite."""
    done = subprocess.run([sys.executable, "-m", "evidence", *args], capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    stderr = done.stderr.decode("utf-8", errors="replace")
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    return Outcome(done.returncode, done.stdout, stderr)


def codes_of(outcome: Outcome, file: str) -> list[str]:
    return [finding["code"] for finding in outcome.findings if finding["file"] == file]
