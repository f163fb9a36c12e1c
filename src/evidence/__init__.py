"""evidence: make ML training-run evidence complete, consistent and true before submission.

The names below are the public surface: the trainer, the tests and other tools import them from
here, never from the modules behind them, which may move. Each loads on first use (PEP 562), so
`import evidence` stays cheap and `evidence validate` never pays for what it does not use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    # findings and results
    **dict.fromkeys(("Code", "Finding"), "evidence.findings"),
    **dict.fromkeys(("CommandResult", "RunResult", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE"),
                    "evidence.result"),
    # the documents
    **dict.fromkeys(("Document", "DOCUMENTS", "RUN_MANIFEST", "RUN_MANIFEST_V1", "EVAL_SUMMARY",
                     "PREDICTION", "EVIDENCE_LOCK", "RUN_SCHEMA_VERSIONS", "LOG_FILE",
                     "STATED_DOCUMENTS", "versions_of"), "evidence.registry"),
    **dict.fromkeys(("MANIFEST_FILE", "MANIFEST_SCHEMA_VERSION", "MANIFEST_V1_SCHEMA_VERSION",
                     "MANIFEST_VERSIONS", "RunManifest", "RunManifestV1", "RunManifestBase",
                     "ModelRef", "ConfigRef", "DeviceInfo", "GitState", "Timings", "Mode"),
                    "evidence.models.manifest"),
    **dict.fromkeys(("TrainingRef", "FineTuneMethod", "CheckpointRef", "KaggleSession",
                     "DatasetSource", "TrainingLibrary", "CheckpointFormat",
                     "CheckpointContents", "MethodKind"), "evidence.models.training"),
    **dict.fromkeys(("EVAL_SUMMARY_FILE", "EVAL_SUMMARY_SCHEMA_VERSION", "EvalSummary", "Score",
                     "Scorecard"), "evidence.models.eval_summary"),
    **dict.fromkeys(("PREDICTIONS_FILE", "PREDICTION_SCHEMA_VERSION", "Prediction"),
                    "evidence.models.prediction"),
    **dict.fromkeys(("DatasetRow", "DatasetSplit", "response_text", "file_dataset_name",
                     "file_dataset_version"), "evidence.models.dataset_file"),
    **dict.fromkeys(("DatasetFileError", "DatasetFileFacts", "dataset_file_path",
                     "scan_dataset_file"), "evidence.validation.dataset_file"),
    "ArtifactRef": "evidence.models.artifact",
    "DatasetRef": "evidence.models.dataset",
    "KaggleFields": "evidence.models.kaggle",
    **dict.fromkeys(("Platform", "PreflightMethod", "PreflightRecord"),
                    "evidence.models.preflight"),
    "CompetitionProfile": "evidence.models.profile",
    **dict.fromkeys(("StrictModel", "Placeholder", "is_placeholder", "PositiveInt", "Count",
                     "Rate", "Seconds", "Name", "Identifier", "Sha256", "RelPath"),
                    "evidence.models.types"),
    # reading and writing
    **dict.fromkeys(("loads_strict", "StrictJsonError", "MAX_DOCUMENT_BYTES"),
                    "evidence.io.strict_json"),
    **dict.fromkeys(("write_bytes_atomic", "write_model_atomic", "write_jsonl_atomic",
                     "dump_model"), "evidence.io.atomic"),
    **dict.fromkeys(("loads_yaml_strict", "StrictYamlError", "KeyLines"),
                    "evidence.io.strict_yaml"),
    **dict.fromkeys(("sha256_bytes", "sha256_file", "describe_artifact"), "evidence.io.digest"),
    **dict.fromkeys(("pointer", "pointer_tokens"), "evidence.io.pointer"),
    **dict.fromkeys(("pydantic_findings", "keyed_problems"), "evidence.io.pydantic_errors"),
    # grading and scoring: the one grader and the one scoring function
    "grade": "evidence.scoring.grader",
    **dict.fromkeys(("score", "ScoreAccumulator"), "evidence.scoring.scorecard"),
    # validation
    **dict.fromkeys(("validate_run", "RunDirectoryError"), "evidence.validation.run"),
    **dict.fromkeys(("check_predictions", "check_range"), "evidence.validation.predictions"),
    **dict.fromkeys(("load_profile", "ProfileError", "ineligibility", "library_ineligibility",
                     "checkpoint_ineligibility", "session_ineligibility", "shipped_profiles"),
                    "evidence.validation.eligibility"),
    **dict.fromkeys(("migrate_document", "migrate_run", "MigrationError"), "evidence.migrate"),
    # the trainer's console protocol, templates, packaging
    **dict.fromkeys(("format_line", "parse_line"), "evidence.logs.protocol"),
    "write_template": "evidence.filling.templates",
    "collect_run_files": "evidence.io.run_files",
    # rendering
    **dict.fromkeys(("envelope", "render_json"), "evidence.render.machine"),
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evidence' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from evidence.filling.templates import write_template
    from evidence.findings import Code, Finding
    from evidence.io.atomic import (
        dump_model,
        write_bytes_atomic,
        write_jsonl_atomic,
        write_model_atomic,
    )
    from evidence.io.digest import describe_artifact, sha256_bytes, sha256_file
    from evidence.io.pointer import pointer, pointer_tokens
    from evidence.io.pydantic_errors import keyed_problems, pydantic_findings
    from evidence.io.run_files import collect_run_files
    from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
    from evidence.io.strict_yaml import KeyLines, StrictYamlError, loads_yaml_strict
    from evidence.logs.protocol import format_line, parse_line
    from evidence.migrate import MigrationError, migrate_document, migrate_run
    from evidence.models.artifact import ArtifactRef
    from evidence.models.dataset import DatasetRef
    from evidence.models.dataset_file import (
        DatasetRow,
        DatasetSplit,
        file_dataset_name,
        file_dataset_version,
        response_text,
    )
    from evidence.models.eval_summary import (
        EVAL_SUMMARY_FILE,
        EVAL_SUMMARY_SCHEMA_VERSION,
        EvalSummary,
        Score,
        Scorecard,
    )
    from evidence.models.kaggle import KaggleFields
    from evidence.models.manifest import (
        MANIFEST_FILE,
        MANIFEST_SCHEMA_VERSION,
        MANIFEST_V1_SCHEMA_VERSION,
        MANIFEST_VERSIONS,
        ConfigRef,
        DeviceInfo,
        GitState,
        Mode,
        ModelRef,
        RunManifest,
        RunManifestBase,
        RunManifestV1,
        Timings,
    )
    from evidence.models.prediction import PREDICTION_SCHEMA_VERSION, PREDICTIONS_FILE, Prediction
    from evidence.models.preflight import Platform, PreflightMethod, PreflightRecord
    from evidence.models.profile import CompetitionProfile
    from evidence.models.training import (
        CheckpointContents,
        CheckpointFormat,
        CheckpointRef,
        DatasetSource,
        FineTuneMethod,
        KaggleSession,
        MethodKind,
        TrainingLibrary,
        TrainingRef,
    )
    from evidence.models.types import (
        Count,
        Identifier,
        Name,
        Placeholder,
        PositiveInt,
        Rate,
        RelPath,
        Seconds,
        Sha256,
        StrictModel,
        is_placeholder,
    )
    from evidence.registry import (
        DOCUMENTS,
        EVAL_SUMMARY,
        EVIDENCE_LOCK,
        LOG_FILE,
        PREDICTION,
        RUN_MANIFEST,
        RUN_MANIFEST_V1,
        RUN_SCHEMA_VERSIONS,
        STATED_DOCUMENTS,
        Document,
        versions_of,
    )
    from evidence.render.machine import envelope, render_json
    from evidence.result import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandResult, RunResult
    from evidence.scoring.grader import grade
    from evidence.scoring.scorecard import ScoreAccumulator, score
    from evidence.validation.dataset_file import (
        DatasetFileError,
        DatasetFileFacts,
        dataset_file_path,
        scan_dataset_file,
    )
    from evidence.validation.eligibility import (
        ProfileError,
        checkpoint_ineligibility,
        ineligibility,
        library_ineligibility,
        load_profile,
        session_ineligibility,
        shipped_profiles,
    )
    from evidence.validation.predictions import check_predictions, check_range
    from evidence.validation.run import RunDirectoryError, validate_run
