"""Evaluation: greedy answers to the eval split, graded by the evidence grader, as evidence
`Prediction` rows. The scorecard comes from `evidence.score`, the function `validate`
recomputes it with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from evidence import Prediction, grade
from training.backends.base import Backend, LoadedModel
from training.batching import encode_prompt
from training.dataset.items import ReasoningItem
from training.decoding import STOP_TEXT, left_pad, response_text
from training.errors import TrainingError
from training.sharding import eval_batch_sharding, put_global


def evaluate(backend: Backend, loaded: LoadedModel, params: Any,
             items: Sequence[ReasoningItem], *, batch_size: int, max_new_tokens: int,
             mesh: Mesh, config_path: str,
             on_batch: Callable[[int], None] | None = None) -> list[Prediction]:
    tokenizer = loaded.tokenizer
    prompts = [encode_prompt(tokenizer, item.prompt) for item in items]
    prompt_len = max(len(p) for p in prompts)
    if prompt_len + max_new_tokens > loaded.max_positions:
        raise TrainingError(f"{config_path}: eval.max_new_tokens {max_new_tokens} plus the "
                            f"longest eval prompt ({prompt_len} tokens) exceeds the model's "
                            f"{loaded.max_positions} positions")
    # Every batch has the same shape, a multiple of the device count: one compilation.
    rows = -(-batch_size // mesh.size) * mesh.size
    generate = backend.generate_fn(loaded, max_new_tokens=max_new_tokens, stop_text=STOP_TEXT)
    sharding = eval_batch_sharding(mesh)
    predictions: list[Prediction] = []
    for start in range(0, len(items), rows):
        chunk = prompts[start:start + rows]
        # Fill a short last batch with copies of its first prompt; their outputs are dropped.
        padded = list(chunk) + [chunk[0]] * (rows - len(chunk))
        ids, mask = left_pad(padded, prompt_len, tokenizer.pad_id)
        tokens = np.asarray(jax.device_get(
            generate(params, put_global(ids, sharding), put_global(mask, sharding))))
        for offset, item in enumerate(items[start:start + rows]):
            predictions.append(to_prediction(item, response_text(tokens[offset], tokenizer)))
        if on_batch is not None:
            on_batch(len(chunk))
    return predictions


def to_prediction(item: ReasoningItem, response: str) -> Prediction:
    graded = grade(response, item.answer)
    return Prediction(item_id=item.id, section=item.section, category=item.category,
                      difficulty=item.difficulty, response=response,
                      extracted_answer=graded.extracted_answer, reference_answer=item.answer,
                      correct=graded.correct, format_ok=graded.format_ok)
