"""Findings are data: what is wrong, where (file, JSON pointer or line), and a stable code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Stable finding codes. Tools may match on them; never rename one, only add."""

    # Reading files
    FILE_MISSING = "file_missing"
    FILE_UNREADABLE = "file_unreadable"
    FILE_TOO_LARGE = "file_too_large"
    # Strict JSON
    JSON_EMPTY = "json_empty"
    JSON_INVALID_UTF8 = "json_invalid_utf8"
    JSON_SYNTAX = "json_syntax"
    JSON_DUPLICATE_KEY = "json_duplicate_key"
    JSON_NON_FINITE = "json_non_finite"
    JSON_NOT_OBJECT = "json_not_object"
    JSON_NUMBER_TOO_LARGE = "json_number_too_large"
    JSON_LONE_SURROGATE = "json_lone_surrogate"
    # Structure (the models)
    SCHEMA_MISSING_KEY = "schema_missing_key"
    SCHEMA_UNKNOWN_KEY = "schema_unknown_key"
    SCHEMA_TYPE = "schema_type"
    SCHEMA_VALUE = "schema_value"
    SCHEMA_VERSION = "schema_version"
    SCHEMA_VERSION_UNSUPPORTED = "schema_version_unsupported"
    # Templates
    TEMPLATE_UNFILLED = "template_unfilled"
    # Truth across files
    SCORECARD_MISMATCH = "scorecard_mismatch"
    PREDICTION_GRADE_MISMATCH = "prediction_grade_mismatch"
    DUPLICATE_ITEM_ID = "duplicate_item_id"
    RUN_ID_MISMATCH = "run_id_mismatch"
    DATASET_MISMATCH = "dataset_mismatch"
    MODE_MISMATCH = "mode_mismatch"
    ARTIFACT_MISSING = "artifact_missing"
    ARTIFACT_NOT_REGULAR = "artifact_not_regular"
    ARTIFACT_OUTSIDE_RUN = "artifact_outside_run"
    ARTIFACT_DIGEST_MISMATCH = "artifact_digest_mismatch"
    ARTIFACT_SIZE_MISMATCH = "artifact_size_mismatch"
    ARTIFACT_UNLISTED = "artifact_unlisted"
    KAGGLE_LOG_MISMATCH = "kaggle_log_mismatch"
    # Truth anchored outside the documents (the log, Kaggle's copy, the data set, sanity)
    KAGGLE_LOG_MISSING = "kaggle_log_missing"
    KAGGLE_COPY_MISMATCH = "kaggle_copy_mismatch"
    DATASET_IDENTITY_MISMATCH = "dataset_identity_mismatch"
    DATASET_COVERAGE_MISMATCH = "dataset_coverage_mismatch"
    DATASET_ITEM_MISMATCH = "dataset_item_mismatch"
    MODE_CONTRADICTS_CONFIG = "mode_contradicts_config"
    MODEL_IDENTITY_MISMATCH = "model_identity_mismatch"
    TIMINGS_INCONSISTENT = "timings_inconsistent"
    # Filling a template from a console log (evidence fill)
    LOG_MALFORMED = "log_malformed"
    LOG_EVIDENCE_UNREADABLE = "log_evidence_unreadable"
    LOG_NO_EVIDENCE = "log_no_evidence"
    LOG_UNKNOWN_FIELD = "log_unknown_field"
    LOG_CONTRADICTION = "log_contradiction"
    FILL_CONFLICT = "fill_conflict"
    # Packaging a run (evidence package, evidence attest)
    RUN_SYMLINK = "run_symlink"
    RUN_SPECIAL_FILE = "run_special_file"
    PACKAGE_FILE_CHANGED = "package_file_changed"
    PACKAGE_NAME_COLLISION = "package_name_collision"
    # Verifying an archive against its lock (evidence verify, evidence attest)
    ARCHIVE_UNREADABLE = "archive_unreadable"
    ARCHIVE_UNSAFE_NAME = "archive_unsafe_name"
    ARCHIVE_DUPLICATE_ENTRY = "archive_duplicate_entry"
    ARCHIVE_NOT_FILE = "archive_not_file"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    ARCHIVE_STRAY_BYTES = "archive_stray_bytes"
    ARCHIVE_COMMENT = "archive_comment"
    ARCHIVE_EXTRA_FIELD = "archive_extra_field"
    ARCHIVE_OVERLAPPING_ENTRIES = "archive_overlapping_entries"
    ARCHIVE_HEADER_MISMATCH = "archive_header_mismatch"
    ARCHIVE_DATA_OVERRUN = "archive_data_overrun"
    LOCK_ENTRY_MISSING = "lock_entry_missing"
    LOCK_ENTRY_EXTRA = "lock_entry_extra"
    LOCK_DIGEST_MISMATCH = "lock_digest_mismatch"
    LOCK_SIZE_MISMATCH = "lock_size_mismatch"
    LOCK_MISMATCH = "lock_mismatch"
    # Eligibility against a competition profile (evidence validate --profile, preflight)
    MODEL_NOT_ELIGIBLE = "model_not_eligible"
    TRAINING_LIBRARY_NOT_ELIGIBLE = "training_library_not_eligible"
    CHECKPOINT_NOT_ELIGIBLE = "checkpoint_not_eligible"
    SESSION_TOO_LONG = "session_too_long"
    PROFILE_RULE_UNCHECKED = "profile_rule_unchecked"
    # The preflight record in a manifest (evidence validate)
    PREFLIGHT_INCONSISTENT = "preflight_inconsistent"
    PREFLIGHT_MISMATCH = "preflight_mismatch"
    # The memory preflight of a config (python -m training.preflight)
    PREFLIGHT_DOES_NOT_FIT = "preflight_does_not_fit"
    PREFLIGHT_PARAMS_DTYPE = "preflight_params_dtype"
    PREFLIGHT_NO_DONATION = "preflight_no_donation"
    PREFLIGHT_BATCH_NOT_DIVISIBLE = "preflight_batch_not_divisible"
    PREFLIGHT_POSITIONS_TOO_FEW = "preflight_positions_too_few"
    # Comparing two runs (evidence compare, evidence validate --comparison)
    COMPARISON_DATASET_DIFFERS = "comparison_dataset_differs"
    COMPARISON_ITEMS_DIFFER = "comparison_items_differ"
    COMPARISON_ITEM_DIFFERS = "comparison_item_differs"
    COMPARISON_REGRESSION = "comparison_regression"
    COMPARISON_MISMATCH = "comparison_mismatch"
    # A Kaggle notebook's kernel-metadata.json (evidence validate FILE)
    KERNEL_CODE_FILE_MISSING = "kernel_code_file_missing"


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    code: Code
    message: str
    pointer: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["code"] = str(self.code)
        return data
