"""The Kaggle fields a log cannot know, given on the command line and checked by the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from evidence.filling.statements import Statement
from evidence.models.kaggle import (
    KaggleFields,
    KaggleNotebookUrl,
    KaggleNotebookVersion,
    KaggleRunId,
)


class OptionError(ValueError):
    """An option's value is not what the model accepts: a usage error."""


@dataclass(frozen=True, slots=True)
class KaggleOption:
    flag: str
    field: str
    kind: Any
    # Numbers arrive as text; read them as JSON so "7" is 7 but "7.0" and "07" are refused.
    numeric: bool

    def statement(self, text: str) -> Statement:
        adapter: TypeAdapter[Any] = TypeAdapter(self.kind)
        try:
            value = adapter.validate_json(text, strict=True) if self.numeric \
                else adapter.validate_python(text, strict=True)
        except ValidationError as error:
            reason = error.errors()[0]["msg"]
            expected = KaggleFields.model_fields[self.field].description
            raise OptionError(f"{self.flag} {_shown(text)}: {reason}; expected {expected}") \
                from None
        return Statement("run_manifest", f"/kaggle/{self.field}", value, self.flag)


def _shown(text: str) -> str:
    """The value as the message quotes it: a 5,000-digit one is not echoed whole."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"


KAGGLE_OPTIONS = (
    KaggleOption("--kaggle-url", "kaggle_notebook_url", KaggleNotebookUrl, numeric=False),
    KaggleOption("--kaggle-version", "kaggle_notebook_version", KaggleNotebookVersion,
                 numeric=True),
    KaggleOption("--kaggle-run-id", "kaggle_run_id", KaggleRunId, numeric=True),
)


def option_statements(given: dict[str, str | None]) -> list[Statement]:
    """Statements for the options given, keyed by flag ('--kaggle-url': text or None)."""
    return [option.statement(text) for option in KAGGLE_OPTIONS
            if (text := given.get(option.flag)) is not None]


# Kaggle never states these in a log (a session does not know its own version or run id), so
# they are filled from options; every other field comes from the log.
KAGGLE_FLAGS = {f"/kaggle/{option.field}": option.flag for option in KAGGLE_OPTIONS}


def _added_in_2_0() -> frozenset[str]:
    """The pointers of the fields run_manifest 2.0 added: a 1.0 trainer's log never states
    them, so a run migrated from 1.0 has them filled by hand."""
    from evidence.models.manifest import RunManifest, RunManifestBase

    return frozenset(f"/{name}" for name in RunManifest.model_fields
                     if name not in RunManifestBase.model_fields)


def fill_hint(pointers: list[str]) -> str:
    """What fills these placeholders: the Kaggle options for Kaggle's fields, the log for the
    rest (by hand, for the fields 2.0 added, in a run migrated from 1.0)."""
    flags = [KAGGLE_FLAGS[at] for at in pointers if at in KAGGLE_FLAGS]
    hints = []
    if len(flags) < len(pointers):
        hints.append("run `evidence fill --from-log LOG RUN_DIR`")
    added = [at for at in pointers if at in _added_in_2_0()]
    if added:
        hints.append(f"in a run migrated from 1.0, whose log does not state them, write "
                     f"{' '.join(added)} by hand")
    if flags:
        hints.append(f"give `evidence fill` {', '.join(flags)}")
    return "; ".join(hints)
