"""The Hugging Face hub, asked only when it answers: an unreachable hub is a clear error in
seconds, not 25 s of retries (huggingface_hub retries five times with back-off; measured in
docs/TRAINING_MODES.md). The token is read from HF_TOKEN and handed to transformers only: it is
never logged nor written into evidence."""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_SECONDS = 5.0


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def unreachable() -> str | None:
    """Why the hub cannot be reached from here (None: it answers a TCP connect)."""
    if offline():
        return "HF_HUB_OFFLINE is set"
    parts = urlsplit(endpoint())
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return None
    except socket.gaierror:
        return f"{host} does not resolve"
    except TimeoutError:
        return f"{host}:{port} did not answer in {PROBE_SECONDS:.0f} s"
    except OSError as error:
        return f"{host}:{port}: {error.strerror or error}"


def hub_options(revision: str | None) -> tuple[dict[str, Any], str | None]:
    """from_pretrained's keyword arguments for a hub id, and why the hub is unreachable (then
    only the local cache is used)."""
    options: dict[str, Any] = {"revision": revision, "token": os.environ.get("HF_TOKEN") or None}
    why = unreachable()
    if why is not None:
        options["local_files_only"] = True
    return options, why
