"""Tokenised training examples and fixed-shape batches.

Every batch is [grad_accum, micro_batch, seq]. With `data.buckets` 0, seq is always
`data.max_seq_len` (one compilation); otherwise examples of similar length are batched together
and seq is one of at most `data.buckets` lengths (`training.buckets`), one compilation each.
Examples are right-padded, so a shorter batch is the same rows cut at its length: the real
tokens, their masks and so the loss per real token are the same. The loss mask marks the
response tokens (reasoning, answer and EOS): the model learns to answer, not to repeat prompts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from training.backends.base import Tokenizer
from training.buckets import BatchPlan, plan_training
from training.dataset.items import ReasoningItem
from training.errors import TrainingError
from training.prompt_format import PromptTemplate, render_prompt


@dataclass(frozen=True)
class Examples:
    """Right-padded token ids, attention mask and loss mask, all [n, max_seq_len] int32."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    loss_mask: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Real tokens per example (prompt + response + EOS)."""
        return np.asarray(self.attention_mask.sum(axis=1))


BATCH_FIELDS = ("input_ids", "attention_mask", "loss_mask")


def encode_prompt(tokenizer: Tokenizer, prompt: str,
                  template: PromptTemplate = "plain") -> list[int]:
    """The prompt in the config's template, with the tokenizer's own specials (Gemma's BOS), as
    training and generation both see it."""
    return tokenizer.encode(render_prompt(prompt, template), specials=True)


def encode_examples(tokenizer: Tokenizer, items: Sequence[ReasoningItem],
                    max_seq_len: int, config_path: str,
                    template: PromptTemplate = "plain") -> Examples:
    eos = tokenizer.eos_id
    if eos is None:
        raise TrainingError("the tokenizer has no EOS token; the model could not learn to stop")
    rows = []
    for item in items:
        prompt = encode_prompt(tokenizer, item.prompt, template)
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


def _check_count(examples: Examples, batch_size: int) -> None:
    count = len(examples.input_ids)
    if count < batch_size:
        raise TrainingError(f"train.batch_size {batch_size} is larger than the {count} "
                            "training examples")


def train_batches(examples: Examples, *, batch_size: int, grad_accum: int,
                  seed: int) -> Iterator[dict[str, np.ndarray]]:
    """Endless batches shaped [grad_accum, batch_size // grad_accum, max_seq_len]: each epoch a
    fresh seeded shuffle, the last partial batch of an epoch dropped (so shapes never change).
    The unbucketed stream; `plan_batches` with buckets 0 plans the same batches."""
    _check_count(examples, batch_size)
    count = len(examples.input_ids)
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(count)
        for start in range(0, count - batch_size + 1, batch_size):
            pick = order[start:start + batch_size]
            yield {name: getattr(examples, name)[pick].reshape(grad_accum, -1,
                                                                examples.input_ids.shape[1])
                   for name in BATCH_FIELDS}


def plan_batches(examples: Examples, *, batch_size: int, steps: int, seed: int,
                 buckets: int) -> BatchPlan:
    """The examples and sequence length of every step of a run (`training.buckets`)."""
    _check_count(examples, batch_size)
    return plan_training(examples.lengths, batch_size=batch_size, steps=steps, seed=seed,
                         buckets=buckets, cap=examples.input_ids.shape[1])


def planned_batches(examples: Examples, plan: BatchPlan, *,
                    grad_accum: int) -> Iterator[dict[str, np.ndarray]]:
    """The plan's batches, each [grad_accum, micro_batch, its sequence length]."""
    for pick, seq in zip(plan.batches, plan.seq_lens, strict=True):
        yield {name: getattr(examples, name)[pick, :seq].reshape(grad_accum, -1, seq)
               for name in BATCH_FIELDS}
