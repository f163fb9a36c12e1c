"""Upgrade a run's run_manifest.json to the current schema version, in place and atomically.

Every value the manifest holds is kept; the fields the new version adds get what the old manifest
proves (said field by field), and a placeholder where it proves nothing, to fill by hand. A
manifest already current is left untouched; one newer than this evidence reads is refused.

Exit 0: migrated (or nothing to migrate); 1: refused (the manifest is invalid, unreadable, or of
a version this evidence does not read), nothing written; 2: usage or I/O error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish
from evidence.result import CommandResult, RunResult

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.migrate import Migration

NAME = "migrate"
SHORT = "Upgrade a run's manifest to the current schema version."


def command(
    run_dir: Annotated[Path, typer.Argument(
        metavar="RUN_DIR", show_default=False,
        help="The run directory whose run_manifest.json to upgrade.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the migrated manifest and what changes; write nothing.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.migrate import migrate_run
    from evidence.validation.run import not_a_run_directory

    problem = not_a_run_directory(run_dir)
    if problem is not None:
        return fail(f"{run_dir}: {problem}", as_json=as_json, command=NAME)
    migration = migrate_run(run_dir, dry_run=dry_run)
    outcome = CommandResult(NAME, [RunResult(str(run_dir), migration.findings)],
                            result=_result(migration, dry_run), refused=bool(migration.findings))
    return finish(outcome, as_json=as_json, quiet=quiet,
                  human=lambda out: _human(out, migration, outcome, dry_run))


def _result(migration: Migration, dry_run: bool) -> dict[str, Any]:
    from evidence.models.manifest import MANIFEST_SCHEMA_VERSION

    added = [{"pointer": f"/{addition.field}", "value": addition.value,
              "inferred": addition.inferred, "reason": addition.reason}
             for applied in migration.applied for addition in applied.additions]
    return {"path": str(migration.run_dir), "from": migration.source_version,
            "to": MANIFEST_SCHEMA_VERSION if not migration.findings else None,
            "steps": [str(applied.step) for applied in migration.applied], "added": added,
            "still_missing": migration.still_missing, "written": migration.written,
            "dry_run": dry_run, "notes": migration.notes,
            "document": migration.document if dry_run else None}


def _change_lines(migration: Migration) -> list[str]:
    from evidence.filling.statements import show
    from evidence.models.manifest import MANIFEST_FILE

    if not migration.applied:
        return [f"{MANIFEST_FILE} is schema_version {migration.source_version} already: "
                "nothing to migrate"]
    lines = []
    for applied in migration.applied:
        lines.append(f"{MANIFEST_FILE}: schema_version {applied.step}")
        for addition in applied.additions:
            how = "from the manifest" if addition.inferred else "unknown"
            lines.append(f"  /{addition.field}: {show(addition.value)}  [{how}: "
                         f"{addition.reason}]")
    return lines


def _human(out: Console, migration: Migration, outcome: CommandResult, dry_run: bool) -> None:
    from evidence.render.human import print_wrapped, render_runs

    if migration.findings:
        from evidence.cli.common import console

        err = console(stderr=True)
        render_runs(err, outcome.runs)
        print_wrapped(err, "nothing was written")
        return
    lines = _change_lines(migration)
    if migration.applied:
        lines.append("dry run: nothing written" if dry_run else f"wrote {migration.run_dir}/"
                                                                "run_manifest.json")
    new = [at for at in migration.still_missing
           if any(at == f"/{addition.field}" for applied in migration.applied
                  for addition in applied.additions)]
    if new:
        lines.append(f"still to fill by hand ({len(new)}), as the run knew them: "
                     f"{' '.join(new)}")
    lines += [f"note: {note}" for note in migration.notes]
    if migration.applied and not dry_run:
        lines.append(f"next: `evidence validate {migration.run_dir}`")
    print_wrapped(out, "\n".join(lines))
    if dry_run and migration.document is not None and migration.applied:
        out.print(json.dumps(migration.document, indent=2, ensure_ascii=False), markup=False,
                  highlight=False, soft_wrap=True)
