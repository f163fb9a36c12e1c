"""Prompts in and responses out of a batched greedy generation, whatever the backend: left
padding (the last prompt token next to the first new one), the batch sizes decoding steps down
through, and the response text, cut just after the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from training.backends.base import Tokenizer
from training.buckets import round_up

STOP_TEXT = "</answer>"


class StopIds(TypedDict):
    """The ids a backend's `make_generate_fn` stops rows at and pads them with."""

    eos_id: int
    pad_id: int
    stop_ids: list[int]


def stop_ids(tokenizer: Tokenizer, stop_text: str) -> StopIds:
    """EOS (-1 when the tokenizer has none: no token then ends a row by itself), the pad id, and
    the tokens of the text after which a row is done."""
    eos = tokenizer.eos_id
    return {"eos_id": -1 if eos is None else eos, "pad_id": tokenizer.pad_id,
            "stop_ids": tokenizer.encode(stop_text, specials=False)}


def left_pad(prompts: Sequence[Sequence[int]], length: int,
             pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Prompts right-aligned in [n, length]."""
    ids = np.full((len(prompts), length), pad_id, np.int32)
    mask = np.zeros((len(prompts), length), np.int32)
    for row, prompt in enumerate(prompts):
        ids[row, length - len(prompt):] = prompt
        mask[row, length - len(prompt):] = 1
    return ids, mask


def decode_stages(rows: int, stages: int, multiple: int) -> tuple[int, ...]:
    """At most `stages` batch sizes, from `rows` down, each about half the one before and a
    multiple of `multiple` (the devices the rows are split over): a decode loop goes on in the
    next size once no more rows than it holds still run."""
    sizes = [rows]
    while len(sizes) < stages:
        half = round_up(round_up(sizes[-1], 2) // 2, multiple)
        if half >= sizes[-1]:
            break
        sizes.append(half)
    return tuple(sizes)


def response_text(tokens: np.ndarray, tokenizer: Tokenizer) -> str:
    """The decoded response up to EOS, cut just after the first stop text."""
    ids = tokens.tolist()
    eos = tokenizer.eos_id
    if eos is not None and eos in ids:
        ids = ids[:ids.index(eos)]
    text = tokenizer.decode(ids)
    end = text.find(STOP_TEXT)
    return text if end < 0 else text[:end + len(STOP_TEXT)]
