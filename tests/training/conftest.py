"""Fixtures for the trainer's tests. Test files here are named test_train_* so that their
module names cannot collide with the evidence tests (tests/ has no packages)."""

from __future__ import annotations

from tiny_models import saved_tiny_model

__all__ = ["saved_tiny_model"]
