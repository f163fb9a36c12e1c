#!/usr/bin/env bash
# Set up (a virtual environment in .venv with the project, its ML extras and dev tools) and run
# every check: lint, types, schema drift, then the test suite under coverage, gated at 90 % of
# src/evidence and 75 % of src/training.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "virtual environment (.venv)"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
step "installing the project with its train, tunix and dev extras (jax, flax, transformers, tunix: a few minutes the first time)"
.venv/bin/python -m pip install --progress-bar on -e '.[train,tunix,dev]'
step "ruff"
.venv/bin/ruff check src tests bench
step "mypy (strict on src/evidence)"
.venv/bin/mypy
step "schema drift"
.venv/bin/evidence schema check
step "tests, under coverage"
# Subprocesses (the CLI, the trainer) write their coverage here too, wherever they run.
export COVERAGE_FILE="$PWD/.coverage"
rm -f .coverage .coverage.*
# One worker per core (pytest-xdist). worksteal hands each worker a contiguous share of the
# suite, so a module's fixtures are mostly built once, and moves tests to an idle worker.
# Arguments go to pytest: `bash scripts/test.sh -n 0` runs serially, `-k NAME` picks tests.
.venv/bin/python -m pytest --cov --cov-report= -n auto --dist worksteal "$@"
step "coverage gates"
gate() {  # gate PACKAGE PERCENT
  local total
  total=$(.venv/bin/coverage report --include="src/$1/*" --format=total) || return 1
  echo "src/$1: $total % of lines covered (gate: $2 %)"
  [ "$total" -ge "$2" ] || { echo "coverage of src/$1 is below $2 %" >&2; return 1; }
}
gate evidence 90
gate training 75
