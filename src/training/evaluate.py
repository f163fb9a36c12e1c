"""Evaluation: greedy answers to the eval split, graded by the evidence grader, as evidence
`Prediction` rows. The scorecard comes from `evidence.scoring.score`, the function `validate`
recomputes it with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from evidence.grading import grade
from evidence.models.prediction import Prediction
from training.batching import encode_prompt
from training.dataset.items import ReasoningItem
from training.errors import TrainingError
from training.generate import STOP_TEXT, left_pad, make_generate_fn, response_text
from training.loading import LoadedModel
from training.sharding import eval_batch_sharding, put_global


def evaluate(loaded: LoadedModel, params: Any, items: Sequence[ReasoningItem], *,
             batch_size: int, max_new_tokens: int, mesh: Mesh, config_path: str,
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
    generate = make_generate_fn(
        loaded.model, max_new_tokens=max_new_tokens, eos_id=tokenizer.eos_token_id,
        pad_id=tokenizer.pad_token_id,
        stop_ids=tokenizer(STOP_TEXT, add_special_tokens=False)["input_ids"])
    sharding = eval_batch_sharding(mesh)
    predictions: list[Prediction] = []
    for start in range(0, len(items), rows):
        chunk = prompts[start:start + rows]
        # Fill a short last batch with copies of its first prompt; their outputs are dropped.
        padded = list(chunk) + [chunk[0]] * (rows - len(chunk))
        ids, mask = left_pad(padded, prompt_len, tokenizer.pad_token_id)
        tokens = np.asarray(jax.device_get(
            generate(params, put_global(ids, sharding), put_global(mask, sharding))))
        for offset, item in enumerate(items[start:start + rows]):
            response = response_text(tokens[offset], tokenizer, tokenizer.eos_token_id)
            predictions.append(to_prediction(item, response))
        if on_batch is not None:
            on_batch(len(chunk))
    return predictions


def to_prediction(item: ReasoningItem, response: str) -> Prediction:
    graded = grade(response, item.answer)
    return Prediction(item_id=item.id, section=item.section, category=item.category,
                      difficulty=item.difficulty, response=response,
                      extracted_answer=graded.extracted_answer, reference_answer=item.answer,
                      correct=graded.correct, format_ok=graded.format_ok)
