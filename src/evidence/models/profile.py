"""A competition profile: which models a competition allows and which output format it grades.

Profiles are small versioned YAML files (`evidence/profiles/*.yaml`, shipped with the package, or
any file a user writes); `evidence.eligibility` reads them into this model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from evidence.models.types import Count, Identifier, Name, StrictModel

PROFILE_SCHEMA_VERSION = "1.0"

# The output formats the one grader (`evidence.grading`) grades. A profile that names another
# cannot be checked by this validator, so it does not load.
OutputFormat = Literal["reasoning-answer-tags"]


class ParameterRange(StrictModel):
    min: Count
    max: Count

    @model_validator(mode="after")
    def _ordered(self) -> ParameterRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is larger than max {self.max}")
        return self


class AllowedModel(StrictModel):
    name: Name = Field(description="What the competition calls it, e.g. 'Gemma 2 2B'.")
    families: Annotated[list[Name], Field(min_length=1)] = Field(
        description="Model families as the model's config names them (its model_type): "
                    "gemma is Gemma 1, gemma2 Gemma 2, gemma3 / gemma3_text Gemma 3.")
    parameter_count: ParameterRange = Field(
        description="The size: a model of an allowed family but another size is not allowed.")


class CompetitionProfile(StrictModel):
    schema_version: Literal["1.0"]
    name: Identifier = Field(description="The profile's name, as --profile takes it.")
    title: Name
    url: Name | None = None
    allowed_models: Annotated[list[AllowedModel], Field(min_length=1)]
    output_format: OutputFormat

    def allowing(self, family: str, parameter_count: int) -> AllowedModel | None:
        """The allowed model this family and size are, or None."""
        for allowed in self.allowed_models:
            size = allowed.parameter_count
            if family in allowed.families and size.min <= parameter_count <= size.max:
                return allowed
        return None
