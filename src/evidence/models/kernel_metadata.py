"""kernel-metadata.json: what `kaggle kernels push -p FOLDER` reads beside a notebook.

The name is Kaggle's own and fixed, so `evidence validate` reads a file of that name as this
document (docs/evidence.md, "kernel-metadata.json"). The rules are the Kaggle CLI's, no
stricter: references are "owner/slug" with Kaggle's slug characters (those of the notebook URL
in `models/kaggle.py`), a kernel slug and a title have at least five characters, the language
and kernel type are the CLI's choices, and a notebook runs on one accelerator at most. That the
code file exists beside the metadata is checked on disk, in `validation/kernel_metadata.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from evidence.models.types import Name, PositiveInt, StrictModel

KERNEL_METADATA_FILE = "kernel-metadata.json"

# One path segment of a Kaggle address: an owner, a slug, a framework or a variation.
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_-]*"
# The Kaggle CLI refuses a kernel slug (and a title) of fewer than five characters.
_KERNEL_SLUG = r"[A-Za-z0-9][A-Za-z0-9_-]{4,}"
_VERSION = r"(?:/[1-9][0-9]*)?"
_CHARACTERS = "letters, digits, '-' and '_', each part starting with a letter or digit"


def _form(pattern: str, form: str, characters: str = _CHARACTERS) -> Callable[[str], str]:
    """A validator that says which form Kaggle wants, rather than quoting a pattern."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {form} ({characters}), as Kaggle reads it")
        return value

    return check


KernelRef = Annotated[str, AfterValidator(_form(
    f"{_SEGMENT}/{_KERNEL_SLUG}", "owner/slug, the slug at least five characters"))]
DatasetRef = Annotated[str, AfterValidator(_form(
    f"{_SEGMENT}/{_SEGMENT}{_VERSION}", "owner/slug, optionally /version"))]
ModelHandle = Annotated[str, AfterValidator(_form(
    f"{_SEGMENT}/{_SEGMENT}/{_SEGMENT}/{_SEGMENT}{_VERSION}",
    "owner/model/framework/variation, optionally /version"))]
CompetitionSlug = Annotated[str, AfterValidator(_form(_SEGMENT, "a competition's slug"))]
MachineShape = Annotated[str, AfterValidator(_form(
    r"[A-Za-z0-9]{1,100}", "one of Kaggle's machine names, such as NvidiaTeslaT4",
    "letters and digits"))]
Title = Annotated[Name, Field(min_length=5)]


class KernelMetadata(StrictModel):
    """A Kaggle notebook's kernel-metadata.json, as `kaggle kernels push` reads it."""

    id: KernelRef = Field(
        description="The notebook on Kaggle, owner/slug: the slug is the notebook's address "
                    "(https://www.kaggle.com/code/owner/slug), at least five characters.")
    id_no: PositiveInt | None = Field(
        default=None, description="Kaggle's numeric id of an existing notebook, beside its id.")
    title: Title = Field(
        description="The notebook's title, at least five characters; Kaggle derives the slug "
                    "from it, so it should read as the id's slug does.")
    code_file: Name = Field(
        description="The notebook or script to push, relative to the folder of "
                    "kernel-metadata.json; the file must be there.")
    language: Literal["python", "r", "rmarkdown"] = Field(
        description="The code's language: python, r or rmarkdown.")
    kernel_type: Literal["script", "notebook"] = Field(
        description="script or notebook (an .ipynb file).")
    is_private: bool | None = Field(
        default=None, description="Whether only its owner sees it (Kaggle's default: true).")
    enable_gpu: bool | None = Field(
        default=None, description="Run it on a GPU; not together with enable_tpu.")
    enable_tpu: bool | None = Field(
        default=None, description="Run it on a TPU; not together with enable_gpu.")
    enable_internet: bool | None = Field(
        default=None, description="Let the session reach the internet (pip, git, the model "
                                  "hub).")
    dataset_sources: list[DatasetRef] | None = Field(
        default=None, description="Data sets attached under /kaggle/input: owner/slug, "
                                  "optionally /version.")
    competition_sources: list[CompetitionSlug] | None = Field(
        default=None, description="Competitions attached under /kaggle/input, by their slug.")
    kernel_sources: list[KernelRef] | None = Field(
        default=None, description="Other notebooks whose output is attached: owner/slug.")
    model_sources: list[ModelHandle] | None = Field(
        default=None, description="Kaggle Models attached under /kaggle/input: "
                                  "owner/model/framework/variation, optionally /version.")
    docker_image: Name | None = Field(
        default=None, description="The Docker image to run in, instead of Kaggle's current "
                                  "one.")
    docker_image_pinning_type: Literal["original", "latest"] | None = Field(
        default=None, description="Keep the image the notebook first ran with (original) or "
                                  "take the newest (latest).")
    machine_shape: MachineShape | None = Field(
        default=None, description="The machine Kaggle runs it on, by Kaggle's name for it "
                                  "(e.g. NvidiaTeslaT4); absent: the accelerator's default.")

    @field_validator("enable_tpu")
    @classmethod
    def _one_accelerator(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        # enable_gpu is declared first, so it is validated (and in info.data) by now.
        if value and info.data.get("enable_gpu"):
            raise ValueError("enable_gpu and enable_tpu are both true; a notebook runs on one "
                             "accelerator: set one of them to false")
        return value
