"""Where and with what a run ran: git state, package versions, devices, Kaggle identity."""

from __future__ import annotations

import os
import subprocess
import time
from importlib import metadata
from pathlib import Path

import jax
from pydantic import ValidationError

from evidence import DeviceInfo, GitState, KaggleFields, KaggleSession, Placeholder
from training.errors import TrainingError

PACKAGES = ("evidence", "jax", "jaxlib", "libtpu", "jax-cuda12-plugin", "flax", "optax",
            "transformers", "tokenizers", "google-tunix", "qwix", "orbax-checkpoint",
            "kagglehub", "numpy", "pydantic")
PLATFORMS = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu", "rocm": "gpu", "tpu": "tpu"}
# The run's code lives here; its git state is the one that counts, not the caller's cwd.
SOURCE_DIR = Path(__file__).resolve().parent

# Kaggle does not hand these to the running code; a notebook may set them before the run
# (docs/KAGGLE_RUN.md). Unset, the fields stay placeholders for `evidence fill --from-log`.
KAGGLE_ENV = {
    "kaggle_notebook_url": "KAGGLE_NOTEBOOK_URL",
    "kaggle_notebook_version": "KAGGLE_NOTEBOOK_VERSION",
    "kaggle_run_id": "KAGGLE_RUN_ID",
}


def git_state(directory: Path = SOURCE_DIR) -> GitState:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:  # not a checkout (an installed wheel, a copied notebook)
        return GitState(commit=None, dirty=False)
    status = git("status", "--porcelain", "--untracked-files=no")
    return GitState(commit=commit, dirty=bool(status))


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def device_info() -> DeviceInfo:
    devices = jax.devices()
    first = devices[0]
    return DeviceInfo(platform=PLATFORMS.get(first.platform, "cpu"),  # type: ignore[arg-type]
                      kind=first.device_kind, count=len(devices))


def kaggle_fields() -> KaggleFields:
    """Kaggle fields from the environment where it gives them, placeholders elsewhere."""
    values: dict[str, object] = {}
    for field, variable in KAGGLE_ENV.items():
        raw = os.environ.get(variable, "").strip()
        if not raw:
            values[field] = Placeholder.for_field(field)
        elif field == "kaggle_notebook_url":
            values[field] = raw
        elif raw.isdigit():
            values[field] = int(raw)
        else:
            raise TrainingError(f"{variable}={raw!r} is not a positive integer")
    try:
        return KaggleFields.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        variable = KAGGLE_ENV.get(str(first["loc"][0]), "a KAGGLE_* variable")
        raise TrainingError(f"{variable} does not have Kaggle's form: {first['msg']}") from None


# Kaggle sets this in every notebook session ("Interactive" while editing, "Batch" for a saved
# version's run); nowhere else.
KAGGLE_RUN_TYPE_ENV = "KAGGLE_KERNEL_RUN_TYPE"


def kaggle_session(now: float | None = None) -> KaggleSession:
    """The session the run ran in: its type, and how long the process has lived (a notebook's
    kernel starts with the session, so this bounds the session's length from below)."""
    run_type = os.environ.get(KAGGLE_RUN_TYPE_ENV, "").strip() or None
    now = time.time() if now is None else now
    return KaggleSession(run_type=run_type, seconds=round(max(0.0, now - process_started()), 3))


def process_started() -> float:
    """When this process started (epoch seconds): from /proc on Linux, which Kaggle runs;
    elsewhere, when the trainer was imported, the closest this process can tell."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        # Field 22 counts clock ticks from boot to the process's start; the command name
        # (field 2, in parentheses) may hold spaces, so count from its closing parenthesis.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT


_IMPORTED_AT = time.time()
