"""How an item's prompt is put to the model, in training and in evaluation alike.

`gemma_chat` is the turn format Gemma's instruction-tuned checkpoints (gemma2_2b_it,
gemma3_1b_it) were tuned on, as their model cards and Tunix's own examples write it: the model
answers in its own turn. `plain` is the prompt as it is, for base checkpoints. The markers are
text: Gemma's tokenizer reads `<start_of_turn>` and `<end_of_turn>` as its single turn tokens,
and a byte-level tokenizer as bytes, the same in both places.
"""

from __future__ import annotations

from typing import Literal

PromptTemplate = Literal["plain", "gemma_chat"]
_TURNS: dict[str, tuple[str, str]] = {
    "plain": ("", ""),
    "gemma_chat": ("<start_of_turn>user\n", "<end_of_turn>\n<start_of_turn>model\n"),
}


def render_prompt(prompt: str, template: PromptTemplate) -> str:
    before, after = _TURNS[template]
    return f"{before}{prompt}{after}"
