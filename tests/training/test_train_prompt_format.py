"""The prompt template: one rendering, used by training and evaluation alike, and only the
response is learned whatever the template."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.batching import encode_examples, encode_prompt
from training.config import load_config
from training.dataset.registry import load_dataset
from training.prompt_format import render_prompt

REPO = Path(__file__).resolve().parents[2]
ITEMS = load_dataset("dev-reasoning-v2").train[:8]
TOKENIZER = HFTokenizer(byte_level_tokenizer())


@given(st.text())
def test_plain_is_the_prompt_and_gemma_chat_the_users_turn_then_the_models(prompt: str) -> None:
    assert render_prompt(prompt, "plain") == prompt
    # Braces and turn markers in a prompt are text like any other, never a format field.
    assert render_prompt(prompt, "gemma_chat") == (
        f"<start_of_turn>user\n{prompt}<end_of_turn>\n<start_of_turn>model\n")


@pytest.mark.parametrize("template", ["plain", "gemma_chat"])
def test_only_the_response_is_learned_and_the_prompt_is_the_one_generation_sees(
        template: str) -> None:
    examples = encode_examples(TOKENIZER, ITEMS, 512, "c.yaml", template)  # type: ignore[arg-type]
    for row, item in enumerate(ITEMS):
        real = examples.input_ids[row][examples.attention_mask[row] == 1].tolist()
        learned = examples.input_ids[row][examples.loss_mask[row] == 1].tolist()
        prompt = encode_prompt(TOKENIZER, item.prompt, template)  # type: ignore[arg-type]
        assert real == prompt + learned
        assert TOKENIZER.decode(learned[:-1]) == item.target
        assert TOKENIZER.decode(prompt) == render_prompt(item.prompt, template)  # type: ignore[arg-type]


def test_the_instruction_tuned_configs_use_gemma_s_turns_and_the_base_ones_do_not() -> None:
    for path in sorted((REPO / "configs").glob("*.yaml")):
        config = load_config(str(path)).config
        tuned = str(getattr(config.model, "name", "")).endswith("_it")
        # The Tunix smoke run tries its full run's path (gemma3_1b_it's), the template included.
        expected = "gemma_chat" if tuned or path.name == "smoke_gemma3_tiny.yaml" else "plain"
        assert config.data.prompt_template == expected, path.name
