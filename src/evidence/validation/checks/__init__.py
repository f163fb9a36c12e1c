"""The run-level checks: every rule that spans more than one document lives in this package, one
module per rule (identity, scorecard, artifacts, log, preflight). Each takes models that already
passed their own validation and returns findings."""
