#!/usr/bin/env bash
# Set up (a virtual environment in .venv with the project, its ML extra and dev tools) and run
# every check: lint, types, schema drift, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[train,dev]'
.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/evidence schema check
.venv/bin/python -m pytest "$@"
