"""Evaluation: greedy answers to the eval split, graded by the evidence grader, as evidence
`Prediction` rows in the data set's order. The scorecard comes from `evidence.score`, the
function `validate` recomputes it with.

Prompts are batched by length (`training.buckets.plan_prompts`), so each batch is left-padded
only to one of a few prompt lengths (one compilation each), and decoding steps down to smaller
batches as rows stop (`training.decoding.decode_stages`). Neither changes a row's answer: with
left padding a row's positions and attention do not depend on its padding or its neighbours.
`DecodeStats` says how much of the decoding was for rows that had already stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from evidence import Prediction, grade
from training.backends.base import Backend, LoadedModel
from training.batching import encode_prompt
from training.buckets import plan_prompts
from training.dataset.items import ReasoningItem
from training.decoding import STOP_TEXT, left_pad, response_text
from training.decoding import decode_stages as stage_sizes
from training.errors import TrainingError
from training.prompt_format import PromptTemplate
from training.sharding import eval_batch_sharding, put_global


@dataclass(frozen=True)
class DecodeStats:
    """What the decode loops computed, over all batches."""

    prompts: int
    batches: int
    prompt_lengths: tuple[int, ...]  # the padded prompt lengths used (one compilation each)
    prompt_tokens: int  # real prompt tokens
    prompt_positions: int  # positions prefilled: rows x padded prompt length, fillers included
    new_tokens: int  # tokens generated for the prompts (decode steps of running rows)
    computed_row_steps: int  # decode steps x rows, every stage, fillers and stopped rows too

    @property
    def wasted_decode_fraction(self) -> float:
        """The share of the computed decode row-steps that were for rows already stopped (or
        fillers of a short batch)."""
        return 1.0 - self.new_tokens / max(self.computed_row_steps, 1)


@dataclass(frozen=True)
class Evaluation:
    predictions: list[Prediction]  # in the order of the items
    stats: DecodeStats


def evaluate(backend: Backend, loaded: LoadedModel, params: Any,
             items: Sequence[ReasoningItem], *, batch_size: int, max_new_tokens: int,
             mesh: Mesh, config_path: str, buckets: int = 2, decode_stages: int = 3,
             prompt_template: PromptTemplate = "plain",
             on_batch: Callable[[int], None] | None = None) -> Evaluation:
    tokenizer = loaded.tokenizer
    prompts = [encode_prompt(tokenizer, item.prompt, prompt_template) for item in items]
    lengths = np.asarray([len(p) for p in prompts])
    prompt_len = int(lengths.max())
    if prompt_len + max_new_tokens > loaded.max_positions:
        raise TrainingError(f"{config_path}: eval.max_new_tokens {max_new_tokens} plus the "
                            f"longest eval prompt ({prompt_len} tokens) exceeds the model's "
                            f"{loaded.max_positions} positions")
    # Every batch has the same rows, a multiple of the device count; one compilation per length.
    rows = -(-batch_size // mesh.size) * mesh.size
    generate = backend.generate_fn(loaded, max_new_tokens=max_new_tokens, stop_text=STOP_TEXT,
                                   stages=stage_sizes(rows, decode_stages, mesh.size))
    sharding = eval_batch_sharding(mesh)
    plan = plan_prompts(lengths, rows=rows, buckets=buckets)
    responses: dict[int, str] = {}
    new_tokens = computed = 0
    for pick, length in zip(plan.batches, plan.seq_lens, strict=True):
        # Fill a short last batch with copies of its first prompt, marked not live: they count
        # as stopped from the start and their outputs are dropped.
        chosen = [prompts[i] for i in pick]
        padded = chosen + [chosen[0]] * (rows - len(chosen))
        live = np.arange(rows) < len(chosen)
        ids, mask = left_pad(padded, length, tokenizer.pad_id)
        out = jax.device_get(generate(params, put_global(ids, sharding),
                                      put_global(mask, sharding), put_global(live, sharding)))
        tokens = np.asarray(out.tokens)
        for offset, item_index in enumerate(pick):
            responses[int(item_index)] = response_text(tokens[offset], tokenizer)
        new_tokens += int(np.asarray(out.live_steps)[:len(chosen)].sum())
        computed += int(out.computed_steps)
        if on_batch is not None:
            on_batch(len(chosen))
    predictions = [to_prediction(item, responses[i]) for i, item in enumerate(items)]
    stats = DecodeStats(prompts=len(items), batches=len(plan.batches),
                        prompt_lengths=plan.lengths, prompt_tokens=int(lengths.sum()),
                        prompt_positions=rows * sum(plan.seq_lens), new_tokens=new_tokens,
                        computed_row_steps=computed)
    return Evaluation(predictions, stats)


def to_prediction(item: ReasoningItem, response: str) -> Prediction:
    graded = grade(response, item.answer)
    return Prediction(item_id=item.id, section=item.section, category=item.category,
                      difficulty=item.difficulty, response=response,
                      extracted_answer=graded.extracted_answer, reference_answer=item.answer,
                      correct=graded.correct, format_ok=graded.format_ok)
