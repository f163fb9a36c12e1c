"""The Tunix backend: Gemma 2 2B and Gemma 3 1B (and tiny Gemmas for smoke runs) through Tunix's
own model classes (Flax NNX), trained with Tunix's PeftTrainer, fully or with a LoRA / QLoRA
adapter from qwix, checkpointed in Tunix's orbax format.

Importing this package imports nothing heavy: `model_config` is plain pydantic, read by the
config; `backend.BACKEND` (JAX, Tunix, qwix) is imported when a run or a preflight needs it.
"""
