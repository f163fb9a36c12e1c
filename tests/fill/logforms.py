"""One run's console output, written out as each log form a user can hold: Kaggle's JSON log
(with lines split across entries and stderr interleaved), plain text (with colours, progress
bars and warnings), and an executed notebook."""

from __future__ import annotations

import json
import random

STDERR_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "/opt/conda/lib/python3.10/site-packages/jax/_src/xla_bridge.py:900: UserWarning: no GPU\n",
    "\r  0%|          | 0/2 [00:00<?, ?it/s]",
    "\r 50%|█████     | 1/2 [00:01<00:01,  1.02s/it]",
    "\r100%|██████████| 2/2 [00:02<00:00,  1.01s/it]\n",
]


def stdout_of(evidence: list[str]) -> str:
    """The trainer's stdout: chatter around the evidence lines, as a real run prints it."""
    return "".join(["Loading data set dev-reasoning-v2\n", "step 1 loss 2.31\n",
                    "step 2 loss 2.07\n", *(line + "\n" for line in evidence),
                    "evidence: valid\n"])


def split_randomly(text: str, rng: random.Random) -> list[str]:
    """Cut text at random places (mid-line, mid-character sequence, anywhere)."""
    cuts = sorted(rng.sample(range(1, len(text)), k=min(len(text) - 1, rng.randint(1, 60))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def kaggle_entries(stdout: str, rng: random.Random) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for piece in split_randomly(stdout, rng):
        if rng.random() < 0.5:
            entries.append({"stream_name": "stderr", "time": 0.0,
                            "data": rng.choice(STDERR_NOISE)})
        entries.append({"stream_name": "stdout", "time": 0.0, "data": piece})
    for index, entry in enumerate(entries):
        entry["time"] = round(3.5 + index * 0.25, 3)
    return entries


def kaggle_log(entries: list[dict[str, object]]) -> bytes:
    """Kaggle's layout: the array's entries one a line, each after a leading comma."""
    lines = [json.dumps(entry, separators=(",", ":")) for entry in entries]
    return ("[" + "\n,".join(lines) + "]").encode("utf-8")


def plain_log(stdout: str) -> bytes:
    """As copied from the notebook viewer: colours, progress bars and warnings mixed in."""
    out = ["\x1b[0;31mWARNING\x1b[0m: " + STDERR_NOISE[1]]
    for line in stdout.splitlines(keepends=True):
        out.append(line if "@evidence/" not in line else f"\x1b[32m{line[:-1]}\x1b[0m\r\n")
        out.append("".join(STDERR_NOISE[2:]))
    return "".join(out).encode("utf-8")


def notebook(stdout: str, rng: random.Random) -> bytes:
    """An executed nbformat 4 notebook: a markdown cell, then a code cell whose stdout comes in
    several stream outputs (split at line ends) with stderr outputs between them."""
    outputs: list[dict[str, object]] = []
    lines = stdout.splitlines(keepends=True)
    while lines:
        count = rng.randint(1, 5)
        take, lines = lines[:count], lines[count:]
        outputs.append({"output_type": "stream", "name": "stdout", "text": take})
        outputs.append({"output_type": "stream", "name": "stderr",
                        "text": [rng.choice(STDERR_NOISE)]})
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Train"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["!python -m x"],
         "outputs": [*outputs, {"output_type": "execute_result", "execution_count": 1,
                                "data": {"text/plain": ["0"]}, "metadata": {}}]},
    ]
    document = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}},
                "nbformat": 4, "nbformat_minor": 4}
    return json.dumps(document, indent=1).encode("utf-8")
