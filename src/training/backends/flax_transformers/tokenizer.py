"""A byte-level tokenizer built locally (no download): one token per UTF-8 byte plus <pad> and
<eos>. Smoke runs use it so that any text, any prompt, round-trips with no vocabulary to fetch."""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

PAD, EOS = "<pad>", "<eos>"


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in character for every byte, which the ByteLevel pre-tokenizer
    emits; token id = byte value keeps the vocabulary readable."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    return mapping


def byte_level_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {char: byte for byte, char in _bytes_to_unicode().items()}
    vocab[PAD], vocab[EOS] = 256, 257
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens([PAD, EOS])
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token=PAD, eos_token=EOS,
                                   model_max_length=1 << 30)


class HFTokenizer:
    """A transformers tokenizer seen through `training.backends.base.Tokenizer`. `hf` is the
    tokenizer itself, for what only transformers does with it (saving it beside the weights)."""

    def __init__(self, hf: PreTrainedTokenizerBase) -> None:
        self.hf = hf

    @property
    def eos_id(self) -> int | None:
        eos: int | None = self.hf.eos_token_id
        return eos

    @property
    def pad_id(self) -> int:
        pad: int = self.hf.pad_token_id
        return pad

    def encode(self, text: str, *, specials: bool) -> list[int]:
        return list(self.hf(text, add_special_tokens=specials)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        text: str = self.hf.decode(list(ids), skip_special_tokens=True)
        return text

    def __len__(self) -> int:
        return len(self.hf)
