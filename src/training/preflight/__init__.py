"""Preflight: will a config's training step fit the target's memory, and is its model eligible,
before anything is launched. `python -m training.preflight --config CONFIG --target v5e-8`.

Importing this package imports no JAX: the CLI and the launcher set the environment first.
"""
