"""Tokenised training examples and fixed-shape batches.

Every batch has the same shape ([grad_accum, micro_batch, max_seq_len]) so the jit-compiled step
compiles once. The loss mask marks the response tokens (reasoning, answer and EOS): the model
learns to answer, not to repeat prompts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from training.backends.base import Tokenizer
from training.dataset.items import ReasoningItem
from training.errors import TrainingError


@dataclass(frozen=True)
class Examples:
    """Right-padded token ids, attention mask and loss mask, all [n, max_seq_len] int32."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    loss_mask: np.ndarray


def encode_prompt(tokenizer: Tokenizer, prompt: str) -> list[int]:
    """The prompt with the tokenizer's own specials (Gemma's BOS), as generation sees it too."""
    return tokenizer.encode(prompt, specials=True)


def encode_examples(tokenizer: Tokenizer, items: Sequence[ReasoningItem],
                    max_seq_len: int, config_path: str) -> Examples:
    eos = tokenizer.eos_id
    if eos is None:
        raise TrainingError("the tokenizer has no EOS token; the model could not learn to stop")
    rows = []
    for item in items:
        prompt = encode_prompt(tokenizer, item.prompt)
        response = [*tokenizer.encode(item.target, specials=False), eos]
        rows.append((prompt, response))
    longest = max(len(p) + len(r) for p, r in rows)
    if longest > max_seq_len:
        too_long = sum(len(p) + len(r) > max_seq_len for p, r in rows)
        raise TrainingError(f"{config_path}: data.max_seq_len {max_seq_len} is too short: "
                            f"{too_long} examples are longer, the longest {longest} tokens. "
                            "Raise it (examples are never cut).")
    shape = (len(rows), max_seq_len)
    input_ids = np.full(shape, tokenizer.pad_id, dtype=np.int32)
    attention_mask = np.zeros(shape, dtype=np.int32)
    loss_mask = np.zeros(shape, dtype=np.int32)
    for row, (prompt, response) in enumerate(rows):
        end = len(prompt) + len(response)
        input_ids[row, :end] = prompt + response
        attention_mask[row, :end] = 1
        loss_mask[row, len(prompt):end] = 1
    return Examples(input_ids, attention_mask, loss_mask)


def train_batches(examples: Examples, *, batch_size: int, grad_accum: int,
                  seed: int) -> Iterator[dict[str, np.ndarray]]:
    """Endless batches shaped [grad_accum, batch_size // grad_accum, max_seq_len]: each epoch a
    fresh seeded shuffle, the last partial batch of an epoch dropped (so shapes never change)."""
    count = len(examples.input_ids)
    if count < batch_size:
        raise TrainingError(f"train.batch_size {batch_size} is larger than the {count} "
                            "training examples")
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(count)
        for start in range(0, count - batch_size + 1, batch_size):
            pick = order[start:start + batch_size]
            yield {name: getattr(examples, name)[pick].reshape(grad_accum, -1,
                                                                examples.input_ids.shape[1])
                   for name in ("input_ids", "attention_mask", "loss_mask")}
