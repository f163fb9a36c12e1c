"""Comparing a candidate run with a baseline, item by item: `evidence compare`.

Nothing here is imported on `evidence validate`'s path unless a comparison is asked for."""

from evidence.compare.build import CompareOptions
from evidence.compare.run import compare_paths

__all__ = ["CompareOptions", "compare_paths"]
