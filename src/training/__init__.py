"""The Flax trainer: fine-tunes a causal LM with JAX and writes schema-checked evidence.

Importing this package imports nothing heavy; JAX is imported by the modules that need it, after
the launcher has set the XLA environment (see `training.xla_env`).
"""
