"""The Kaggle fields (names fixed by the M36 milestone): where and as which run the notebook ran."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from evidence.models.types import Fillable, StrictModel

KAGGLE_NOTEBOOK_URL_PATTERN = r"^https://www\.kaggle\.com/code/[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*$"

KaggleNotebookUrl = Annotated[str, StringConstraints(pattern=KAGGLE_NOTEBOOK_URL_PATTERN)]
# Kaggle numbers notebook versions from 1. A version counts a notebook's saves: a signed
# 32-bit integer holds more than any notebook can reach (one save a second for 68 years).
KAGGLE_VERSION_MAX = 2**31 - 1
KaggleNotebookVersion = Annotated[int, Field(ge=1, le=KAGGLE_VERSION_MAX)]
# Kaggle's run id is the numeric id of the script version that ran (e.g. 212345678): 9 digits
# in 2025, across all of Kaggle. At most 12 digits leaves a thousandfold headroom (room for ids
# past 32 bits), refuses anything that cannot be a Kaggle id, and stays below 2**53, so every
# JSON reader (JavaScript's included) holds it exactly.
KAGGLE_RUN_ID_MAX = 10**12 - 1
KaggleRunId = Annotated[int, Field(ge=1, le=KAGGLE_RUN_ID_MAX)]


class KaggleFields(StrictModel):
    """Where and as which Kaggle run the notebook ran (names fixed by the M36 milestone)."""

    kaggle_notebook_url: Fillable[KaggleNotebookUrl] = Field(
        description="https://www.kaggle.com/code/<owner>/<slug> of the notebook that ran."
    )
    kaggle_notebook_version: Fillable[KaggleNotebookVersion] = Field(
        description="The notebook version that ran (a positive integer)."
    )
    kaggle_run_id: Fillable[KaggleRunId] = Field(
        description="Kaggle's numeric script version id of the run."
    )
