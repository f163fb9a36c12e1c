"""The transformers Flax backend: the milestone's Gemma 1 (`google/gemma-2b`, revision `flax`) and
the tiny GPT-2 / Gemma models of smoke runs, through transformers' Flax classes (below v5).

Importing this package imports nothing heavy: `model_config` is plain pydantic, read by the
config; `backend.BACKEND` (JAX, transformers) is imported when a run or a preflight needs it.
"""
