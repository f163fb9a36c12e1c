#!/usr/bin/env bash
# Set up and run the main job on its built-in default: the milestone's smoke command (a tiny
# GPT-2-shaped model on dev-reasoning-v2, on whatever device JAX finds), then validate the
# evidence and write the run's report.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "creating the virtual environment in .venv"
python3 -m venv .venv
step "upgrading pip"
.venv/bin/python -m pip install --progress-bar on --upgrade pip
step "installing the project with its ML extra (jax, flax, optax, transformers: a few hundred MB, a minute or two)"
.venv/bin/python -m pip install --progress-bar on -e '.[train]'
rm -rf runs/smoke runs/smoke.report.html
step "the milestone's smoke run (tiny model, CPU is enough; under 3 minutes)"
.venv/bin/python -m training.run_train_jax --config configs/submission_gemma_flax.yaml \
    --smoke_config configs/smoke_tiny.yaml --output runs/smoke --dataset dev-reasoning-v2 \
    --device auto --smoke_steps 2
# A local run has no Kaggle notebook yet: its Kaggle fields stay placeholders until `fill`.
step "validating the run's evidence"
.venv/bin/evidence validate --allow-template runs/smoke
step "the run's report: one HTML page, offline (see docs/report.md)"
.venv/bin/evidence report --allow-template runs/smoke
printf '\nThe report is at %s: open it in any browser.\n' "$PWD/runs/smoke.report.html"
