"""A competition profile: which models a competition allows and which output format it grades.

Profiles are small versioned YAML files (`evidence/profiles/*.yaml`, shipped with the package, or
any file a user writes); `evidence.validation.eligibility` reads them into this model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from evidence.models.types import Count, Identifier, Name, StrictModel

PROFILE_SCHEMA_VERSION = "1.0"

# The output formats the one grader (`evidence.scoring.grader`) grades. A profile that names another
# cannot be checked by this validator, so it does not load.
OutputFormat = Literal["reasoning-answer-tags"]


class ParameterRange(StrictModel):
    """A range of parameter counts, both ends included."""

    min: Count = Field(description="Fewest parameters allowed.")
    max: Count = Field(description="Most parameters allowed; at least min.")

    @model_validator(mode="after")
    def _ordered(self) -> ParameterRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is larger than max {self.max}")
        return self


class AllowedModel(StrictModel):
    """A model the competition allows: its families and its size."""

    name: Name = Field(description="What the competition calls it, e.g. 'Gemma 2 2B'.")
    families: Annotated[list[Name], Field(min_length=1)] = Field(
        description="Model families as the model's config names them (its model_type): "
                    "gemma is Gemma 1, gemma2 Gemma 2, gemma3 / gemma3_text Gemma 3.")
    parameter_count: ParameterRange = Field(
        description="The size: a model of an allowed family but another size is not allowed.")


class CompetitionProfile(StrictModel):
    """A competition profile: which models a competition allows and which output format it
    grades."""

    schema_version: Literal["1.0"] = Field(description="Version of the profile's schema.")
    name: Identifier = Field(description="The profile's name, as --profile takes it.")
    title: Name = Field(description="The competition's name, for people.")
    url: Name | None = Field(default=None, description="The competition's page; null or absent "
                                                       "when it has none.")
    allowed_models: Annotated[list[AllowedModel], Field(min_length=1)] = Field(
        description="The models the competition allows; a run's model must be one of them.")
    output_format: OutputFormat = Field(
        description="The output format the competition grades: reasoning-answer-tags "
                    "(<reasoning>...</reasoning><answer>...</answer>).")

    def allowing(self, family: str, parameter_count: int) -> AllowedModel | None:
        """The allowed model this family and size are, or None."""
        for allowed in self.allowed_models:
            size = allowed.parameter_count
            if family in allowed.families and size.min <= parameter_count <= size.max:
                return allowed
        return None
