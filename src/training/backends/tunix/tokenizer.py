"""Gemma's SentencePiece tokenizer (`tokenizer.model`, beside the weights on Kaggle and on the
hub) seen through `training.backends.base.Tokenizer`: a prompt starts with BOS, as Gemma was
trained; padding is Gemma's pad id. Tiny models use the flax backend's byte-level tokenizer
(`training.backends.flax_transformers.tokenizer`) instead: no file at all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sentencepiece as spm

TOKENIZER_FILE = "tokenizer.model"


class SentencePieceTokenizer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sp = spm.SentencePieceProcessor()
        self.sp.LoadFromSerializedProto(path.read_bytes())

    @property
    def eos_id(self) -> int | None:
        eos = int(self.sp.eos_id())
        return eos if eos >= 0 else None

    @property
    def pad_id(self) -> int:
        pad = int(self.sp.pad_id())
        return pad if pad >= 0 else 0

    def encode(self, text: str, *, specials: bool) -> list[int]:
        ids = list(self.sp.EncodeAsIds(text))
        bos = int(self.sp.bos_id())
        return [bos, *ids] if specials and bos >= 0 else ids

    def decode(self, ids: Sequence[int]) -> str:
        specials = {self.pad_id, self.eos_id, int(self.sp.bos_id())}
        text: str = self.sp.DecodeIds([i for i in ids if i not in specials])
        return text

    def __len__(self) -> int:
        return int(self.sp.GetPieceSize())
