"""A competition profile: which models a competition allows and which output format it grades;
from version 2.0 also which training libraries and checkpoint formats, and how long a session.

Profiles are small versioned YAML files (`evidence/profiles/*.yaml`, shipped with the package, or
any file a user writes); `evidence.validation.eligibility` reads them into this model. A 1.0
profile still loads: it has the model and format rules only (a rule a profile does not state is
no rule of its competition).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from evidence.models.training import CheckpointFormat, TrainingLibrary
from evidence.models.types import Count, Identifier, Name, PositiveInt, StrictModel

PROFILE_SCHEMA_VERSION = "2.0"
PROFILE_VERSIONS = ("1.0", PROFILE_SCHEMA_VERSION)
# The rules 2.0 added; a 1.0 profile has none of them.
V2_RULES = ("allowed_training_libraries", "allowed_checkpoint_formats", "max_session_seconds")

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

    schema_version: Literal["1.0", "2.0"] = Field(description="Version of the profile's schema: "
                                                              "1.0 or 2.0 (which adds the "
                                                              "library, checkpoint and session "
                                                              "rules).")
    name: Identifier = Field(description="The profile's name, as --profile takes it.")
    title: Name = Field(description="The competition's name, for people.")
    url: Name | None = Field(default=None, description="The competition's page; null or absent "
                                                       "when it has none.")
    allowed_models: Annotated[list[AllowedModel], Field(min_length=1)] = Field(
        description="The models the competition allows; a run's model must be one of them.")
    output_format: OutputFormat = Field(
        description="The output format the competition grades: reasoning-answer-tags "
                    "(<reasoning>...</reasoning><answer>...</answer>).")
    allowed_training_libraries: Annotated[list[TrainingLibrary], Field(min_length=1)] | None = \
        Field(default=None, description="2.0: the libraries a run may be trained with "
                                        "(training.library); absent: any.")
    allowed_checkpoint_formats: Annotated[list[CheckpointFormat], Field(min_length=1)] | None = \
        Field(default=None, description="2.0: the formats the run's final checkpoint may be in "
                                        "(checkpoint.format); a run must then save one. "
                                        "Absent: no checkpoint rule.")
    max_session_seconds: PositiveInt | None = Field(
        default=None, description="2.0: the longest session a run may take, in seconds "
                                  "(kaggle_session.seconds, or the run's timings); absent: no "
                                  "limit.")

    @model_validator(mode="after")
    def _rules_of_its_version(self) -> CompetitionProfile:
        stated = [rule for rule in V2_RULES if getattr(self, rule) is not None]
        if self.schema_version == "1.0" and stated:
            raise ValueError(f"{', '.join(stated)} came with profile schema 2.0: set "
                             'schema_version to "2.0"')
        return self

    def allowing(self, family: str, parameter_count: int) -> AllowedModel | None:
        """The allowed model this family and size are, or None."""
        for allowed in self.allowed_models:
            size = allowed.parameter_count
            if family in allowed.families and size.min <= parameter_count <= size.max:
                return allowed
        return None
