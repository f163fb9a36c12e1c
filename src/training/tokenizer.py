"""A byte-level tokenizer built locally (no download): one token per UTF-8 byte plus <pad> and
<eos>. Smoke runs use it so that any text, any prompt, round-trips with no vocabulary to fetch."""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

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
