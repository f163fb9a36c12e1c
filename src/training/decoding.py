"""Prompts in and responses out of a batched greedy generation, whatever the backend: left
padding (the last prompt token next to the first new one) and the response text, cut just after
the answer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.backends.base import Tokenizer

STOP_TEXT = "</answer>"


def left_pad(prompts: Sequence[Sequence[int]], length: int,
             pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Prompts right-aligned in [n, length]."""
    ids = np.full((len(prompts), length), pad_id, np.int32)
    mask = np.zeros((len(prompts), length), np.int32)
    for row, prompt in enumerate(prompts):
        ids[row, length - len(prompt):] = prompt
        mask[row, length - len(prompt):] = 1
    return ids, mask


def response_text(tokens: np.ndarray, tokenizer: Tokenizer) -> str:
    """The decoded response up to EOS, cut just after the first stop text."""
    ids = tokens.tolist()
    eos = tokenizer.eos_id
    if eos is not None and eos in ids:
        ids = ids[:ids.index(eos)]
    text = tokenizer.decode(ids)
    end = text.find(STOP_TEXT)
    return text if end < 0 else text[:end + len(STOP_TEXT)]
