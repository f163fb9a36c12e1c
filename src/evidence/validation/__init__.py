"""Validating a run: each document on its own, then the checks across documents."""
