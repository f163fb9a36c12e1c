"""Migrations: documents of an older schema version upgraded to the current one, as plain
functions in one place (`steps`), and a run directory's manifest rewritten atomically (`run`).
"""

from evidence.migrate.run import Migration, migrate_run
from evidence.migrate.steps import STEPS, MigrationError, v1_to_v2
from evidence.migrate.steps import migrate as migrate_document

__all__ = ["STEPS", "Migration", "MigrationError", "migrate_document", "migrate_run",
           "v1_to_v2"]
