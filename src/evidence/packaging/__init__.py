"""Packaging a run for submission: its files, the archive layout, the lock, and the writer."""
