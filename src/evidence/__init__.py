"""evidence: make ML training-run evidence complete, consistent and true before submission."""

__version__ = "0.1.0"
