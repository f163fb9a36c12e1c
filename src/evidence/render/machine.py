"""The JSON envelope every command's `--json` prints: one shape for every command.

    {"tool": "evidence", "version": "...", "command": "validate", "ok": false,
     "exit_code": 1, "error": null,
     "findings": [{"run": PATH, "file": ..., "pointer": ..., "line": ..., "code": ...,
                   "message": ...}, ...],
     "result": {...}}

`findings` holds every finding of every subject, each with the `run` (path) it is about;
`error` is a usage or I/O error of the command as a whole (exit 2), else null; `result` is the
command's own result (for validate: `runs`, each with path, valid, error and findings).
The text is strict UTF-8 JSON: a file name that is not valid UTF-8 is written with escapes.
"""

from __future__ import annotations

import json
from typing import Any

from evidence import __version__
from evidence.result import CommandResult


def envelope(outcome: CommandResult) -> dict[str, Any]:
    findings = [{"run": run.path, **finding.to_json()}
                for run in outcome.runs for finding in run.findings]
    return {"tool": "evidence", "version": __version__, "command": outcome.command,
            "ok": outcome.ok, "exit_code": outcome.exit_code, "error": outcome.error,
            "findings": findings, "result": outcome.result}


def render_json(outcome: CommandResult) -> str:
    # ensure_ascii: lone surrogates from undecodable file names become \udcxx escapes, which
    # every JSON reader accepts, instead of bytes that are not UTF-8.
    return json.dumps(envelope(outcome), indent=2, ensure_ascii=True)


class JsonReporter:
    """Renders a command's outcome as the one envelope, on standard output."""

    name = "json"

    def render(self, outcome: CommandResult) -> None:
        print(render_json(outcome))
