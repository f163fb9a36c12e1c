"""Tiny Tunix Gemmas for the tests, and their weights written locally in the two published
layouts the loaders read (never downloaded):

- the Hugging Face hub's: `model.safetensors` with the transformers key names and layouts
  (q_proj.weight is [heads x head_dim, embed], ...), which Tunix's
  `params_safetensors.create_model_from_safe_tensors` maps back;
- Kaggle's Flax one: an orbax checkpoint of the upstream `gemma` library's parameters
  (`transformer/layer_0/attn/q_einsum: {w: ...}`, `mlp/gating_einsum`, ...) in a folder named
  for the variation, beside `tokenizer.model`.

Both are the inverse of Tunix's own mappings, so a model written and read back must have the
same parameters: that is what the loader tests check.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from flax import nnx

from training.backends.tunix.model_config import TunixTinyConfig
from training.config import LoadedConfig, RunConfig, load_config
from training.dataset.registry import load_dataset

SMOKE = "configs/smoke_gemma3_tiny.yaml"
FULL = "configs/submission_gemma3_1b_tunix.yaml"


def smoke_config(**sections: dict[str, Any]) -> LoadedConfig:
    """The shipped smoke config with some sections' keys changed, validated as a file is."""
    loaded = load_config(SMOKE)
    data = loaded.config.model_dump()
    for section, changes in sections.items():
        data[section] = {**(data.get(section) or {}), **changes}
    return LoadedConfig(loaded.path, loaded.sha256, RunConfig.model_validate(data))


def tiny_section(architecture: str = "gemma3", **changes: Any) -> TunixTinyConfig:
    base = load_config(SMOKE).config.model.model_dump()
    return TunixTinyConfig.model_validate({**base, "architecture": architecture, **changes})


def write_sentencepiece(path: Path, vocab_size: int = 512) -> Path:
    """A small SentencePiece model trained here on the data set's prompts, with Gemma's special
    ids (pad 0, eos 1, bos 2, unk 3)."""
    import sentencepiece as spm

    texts = [item.prompt + " " + item.target for item in load_dataset("dev-reasoning-v2").train]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(texts), model_writer=model,
                                   vocab_size=vocab_size, model_type="bpe", pad_id=0, eos_id=1,
                                   bos_id=2, unk_id=3, byte_fallback=True,
                                   minloglevel=2)
    path.write_bytes(model.getvalue())
    return path


def params_of(model: nnx.Module) -> dict[tuple[Any, ...], np.ndarray]:
    import flax

    flat = flax.traverse_util.flatten_dict(nnx.to_pure_dict(nnx.state(model, nnx.Param)))
    return {key: np.asarray(value) for key, value in flat.items()}


def _layers(params: dict[tuple[Any, ...], np.ndarray]) -> list[int]:
    return sorted({key[1] for key in params if key[0] == "layers"})


def hf_tensors(model: nnx.Module, family: str) -> dict[str, np.ndarray]:
    """The model's weights under transformers' names and layouts."""
    p = params_of(model)
    out = {"model.embed_tokens.weight": p[("embedder", "input_embedding")],
           "model.norm.weight": p[("final_norm", "scale")]}
    post_attn = "post_attention_norm" if family == "gemma3" else "post_attn_norm"
    for i in _layers(p):
        layer, attn = f"model.layers.{i}", ("layers", i, "attn")

        def flat_heads(w: np.ndarray) -> np.ndarray:  # [n, d, h] -> [n x h, d]
            return w.transpose(1, 0, 2).reshape(w.shape[1], -1).T

        kv = p[(*attn, "kv_einsum", "w")]
        out |= {f"{layer}.self_attn.q_proj.weight": flat_heads(p[(*attn, "q_einsum", "w")]),
                f"{layer}.self_attn.k_proj.weight": flat_heads(kv[0]),
                f"{layer}.self_attn.v_proj.weight": flat_heads(kv[1])}
        o = p[(*attn, "attn_vec_einsum", "w")]  # [n, h, d]
        out[f"{layer}.self_attn.o_proj.weight"] = o.reshape(-1, o.shape[-1]).T
        for name in ("gate_proj", "up_proj", "down_proj"):
            out[f"{layer}.mlp.{name}.weight"] = p[("layers", i, "mlp", name, "kernel")].T
        norms = {"input_layernorm": "pre_attention_norm",
                 "post_attention_layernorm": post_attn,
                 "pre_feedforward_layernorm": "pre_ffw_norm",
                 "post_feedforward_layernorm": "post_ffw_norm"}
        for hf_name, name in norms.items():
            out[f"{layer}.{hf_name}.weight"] = p[("layers", i, name, "scale")]
        if family == "gemma3":
            out[f"{layer}.self_attn.q_norm.weight"] = p[(*attn, "_query_norm", "scale")]
            out[f"{layer}.self_attn.k_norm.weight"] = p[(*attn, "_key_norm", "scale")]
    return {key: np.ascontiguousarray(value) for key, value in out.items()}


def upstream_params(model: nnx.Module, family: str) -> dict[str, dict[str, np.ndarray]]:
    """The model's weights as the upstream gemma library's (Kaggle's Flax checkpoints)."""
    p = params_of(model)
    out = {"transformer/embedder": {"input_embedding": p[("embedder", "input_embedding")]},
           "transformer/final_norm": {"scale": p[("final_norm", "scale")]}}
    for i in _layers(p):
        prefix, layer = f"transformer/layer_{i}", ("layers", i)
        for name in ("q_einsum", "kv_einsum", "attn_vec_einsum"):
            out[f"{prefix}/attn/{name}"] = {"w": p[(*layer, "attn", name, "w")]}
        gate, up = (p[(*layer, "mlp", name, "kernel")] for name in ("gate_proj", "up_proj"))
        # Gemma 3's gating is [2, hidden, embed] (Tunix transposes it), Gemma 2's [2, embed, hidden]
        gating = np.stack([gate.T, up.T]) if family == "gemma3" else np.stack([gate, up])
        out[f"{prefix}/mlp/gating_einsum"] = {"w": gating}
        out[f"{prefix}/mlp/linear"] = {"w": p[(*layer, "mlp", "down_proj", "kernel")]}
        post_attn = "post_attention_norm" if family == "gemma3" else "post_attn_norm"
        for upstream, name in (("pre_attention_norm", "pre_attention_norm"),
                               ("post_attention_norm", post_attn),
                               ("pre_ffw_norm", "pre_ffw_norm"),
                               ("post_ffw_norm", "post_ffw_norm")):
            out[f"{prefix}/{upstream}"] = {"scale": p[(*layer, name, "scale")]}
        if family == "gemma3":
            for name in ("_query_norm", "_key_norm"):
                out[f"{prefix}/attn/{name}"] = {"scale": p[(*layer, "attn", name, "scale")]}
    return out


def write_hf_layout(model: nnx.Module, family: str, directory: Path, tokenizer: Path) -> Path:
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file(hf_tensors(model, family), str(directory / "model.safetensors"))
    (directory / "config.json").write_text("{}")
    (directory / "tokenizer.model").write_bytes(tokenizer.read_bytes())
    return directory


def write_kaggle_layout(model: nnx.Module, family: str, directory: Path, tokenizer: Path,
                        variation: str) -> Path:
    import orbax.checkpoint as ocp

    directory.mkdir(parents=True, exist_ok=True)
    checkpointer = ocp.StandardCheckpointer()
    checkpointer.save((directory / variation).resolve(), upstream_params(model, family))
    checkpointer.wait_until_finished()
    (directory / "tokenizer.model").write_bytes(tokenizer.read_bytes())
    return directory
