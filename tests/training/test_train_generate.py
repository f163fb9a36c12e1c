"""Greedy generation: the same tokens as transformers' own Flax generate, stops at EOS or at
</answer>, one compilation for any number of same-shaped batches."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest
from tiny_models import tiny_config

from training.backends.flax_transformers.generate import make_generate_fn
from training.backends.flax_transformers.loading import build_tiny_model
from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.compile_watch import CompileWatch
from training.decoding import left_pad, response_text

PROMPTS = [[72, 105, 33, 10, 80], [50, 43], [51, 42, 52, 61]]


@pytest.mark.parametrize("architecture", ["gpt2", "gemma"])
def test_matches_transformers_greedy_generate(architecture: str) -> None:
    loaded = build_tiny_model(tiny_config(architecture), seed=3)
    pad = loaded.tokenizer.pad_id
    ids, mask = left_pad(PROMPTS, 6, pad)
    # EOS and stop ids that never occur, so both run the full length.
    ours = make_generate_fn(loaded.module, max_new_tokens=10, eos_id=-1, pad_id=pad,
                            stop_ids=[-2])(loaded.params, jnp.asarray(ids), jnp.asarray(mask),
                                           jnp.ones(len(PROMPTS), bool)).tokens
    theirs = loaded.module.generate(jnp.asarray(ids), attention_mask=jnp.asarray(mask),
                                   params=loaded.params, max_new_tokens=10, do_sample=False,
                                   pad_token_id=pad, eos_token_id=10**6).sequences
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs)[:, 6:])


class ScriptedModel:
    """Stands in for a transformers Flax model: emits row r's script, one token per call (the
    row travels in the model's inputs, as a cache does, so it survives a decode stage's
    regathering of the rows)."""

    def __init__(self, scripts: list[list[int]], vocab: int = 300) -> None:
        self.scripts = jnp.asarray(scripts)
        self.vocab = vocab

    def prepare_inputs_for_generation(self, input_ids: Any, max_length: int,
                                      attention_mask: Any) -> dict[str, Any]:
        rows = input_ids.shape[0]
        return {"position": jnp.zeros((rows,), jnp.int32), "row": jnp.arange(rows)}

    def update_inputs_for_generation(self, outputs: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"position": kwargs["position"] + 1, "row": kwargs["row"]}

    def __call__(self, input_ids: Any, params: Any, position: Any, row: Any) -> Any:
        token = self.scripts[row, position]
        logits = jnp.eye(self.vocab)[token][:, None, :]
        return type("Out", (), {"logits": logits})()


def test_each_row_stops_at_eos_or_the_stop_tokens() -> None:
    eos, pad, stop = 257, 256, [60, 47, 97, 62]  # "</a>"
    scripts = [
        [65, 60, 47, 97, 62, 66, 67, 68, 69, 70, 71, 72],  # stop text after 5 tokens
        [65, 66, eos, 67, 68, 69, 70, 71, 72, 73, 74, 75],  # EOS after 3
        [65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76],  # runs to the limit
    ]
    generate = make_generate_fn(ScriptedModel(scripts), max_new_tokens=8, eos_id=eos,
                                pad_id=pad, stop_ids=stop)
    out = np.asarray(generate(None, jnp.zeros((3, 2), jnp.int32), jnp.ones((3, 2), jnp.int32),
                              jnp.ones(3, bool)).tokens)
    assert out[0].tolist() == [65, 60, 47, 97, 62] + [pad] * 3
    assert out[1].tolist() == [65, 66, eos] + [pad] * 5
    assert out[2].tolist() == scripts[2][:8]


def test_one_compilation_for_many_batches() -> None:
    loaded = build_tiny_model(tiny_config("gpt2"), seed=0)
    generate = make_generate_fn(loaded.module, max_new_tokens=4, eos_id=-1, pad_id=256,
                                stop_ids=[-2])
    with CompileWatch() as watch:
        for prompts in (PROMPTS, PROMPTS[::-1], [[1, 2], [3], [4, 5, 6]]):
            ids, mask = left_pad(prompts, 6, 256)
            generate(loaded.params, jnp.asarray(ids), jnp.asarray(mask),
                     jnp.ones(3, bool)).tokens.block_until_ready()
    assert watch.count("generate") == 1


def test_response_text_cuts_after_the_answer_and_at_eos() -> None:
    tokenizer = HFTokenizer(byte_level_tokenizer())
    assert tokenizer.eos_id == 257

    def tokens(text: str, *extra: int) -> np.ndarray:
        return np.asarray([*tokenizer.encode(text, specials=False), *extra])

    full = "<reasoning>1 + 1 = 2.</reasoning><answer>2</answer>"
    assert response_text(tokens(full + " and more"), tokenizer) == full
    assert response_text(tokens("<reasoning>x", 257, 65), tokenizer) == "<reasoning>x"
    assert response_text(tokens("abc", 256, 256), tokenizer) == "abc"
