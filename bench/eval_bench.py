"""Evaluation benchmark: new tokens/s and the share of decode steps spent on rows that had
already stopped, before (data set order, every batch padded to the longest prompt, one decode
stage) and after (prompts batched by length, `eval.buckets` prompt lengths, `eval.decode_stages`
stages), in one process, trials alternating.

    .venv/bin/python bench/eval_bench.py [--gemma] [--trials 2] [--max-new-tokens N] [--json]

Both run `training.evaluate.evaluate`, the trainer's own evaluation, on the 120 eval prompts of
dev-reasoning-v2. Default: the smoke config (tiny GPT-2, random weights, 40 a batch, 48 new
tokens). `--gemma`: the eval shapes of configs/submission_gemma_flax.yaml (24 a batch, 192 new
tokens, its buckets and stages) with train_bench's small random Gemma and Gemma-like tokenizer.

Each is measured twice over:
- `random`: the random weights as they are. Such a model never writes `</answer>` or EOS, so
  every row runs to the limit and no row ever waits on the others;
- `reference`: the same model computing the same way, but each row's next token replaced by its
  reference response's (then EOS), as a model that learned the data answers: rows stop where a
  trained model's would, at different steps. Its answers are graded: all must be correct,
  which also proves each answer landed on its own item.

New tokens/s excludes compilation (the generation functions are compiled by a first, timed
run: `eval_s_with_compilation`); the median trial counts. With --json the last line is one
JSON object of every figure, named for what it is, then its unit; `wasted_decode_fraction` is
the `reference` answers' after bucketing and stages.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_bench import FULL_CONFIG, gemma_like_model

REPO = Path(__file__).resolve().parent.parent
SMOKE_CONFIG = "configs/smoke_tiny.yaml"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gemma", action="store_true",
                        help=f"the eval shapes of {FULL_CONFIG}, a small random Gemma")
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="override the config's eval.max_new_tokens")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    return parser.parse_args(argv)


class CachedGenerate:
    """A backend whose generation functions are built once per shape setting, so a second
    evaluation runs compiled code (the trainer builds them once per run anyway)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.made: dict[tuple[Any, ...], Any] = {}

    def generate_fn(self, loaded: Any, *, max_new_tokens: int, stop_text: str,
                    stages: Sequence[int] = ()) -> Any:
        key = (id(loaded), max_new_tokens, stop_text, tuple(stages))
        if key not in self.made:
            self.made[key] = self.backend.generate_fn(loaded, max_new_tokens=max_new_tokens,
                                                      stop_text=stop_text, stages=stages)
        return self.made[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


class ReferenceAnswers:
    """Wraps a transformers Flax model: computes as it does (prefill, cache, logits), but its
    next token is the prompt's reference response token (then EOS). A prompt is recognised by a
    hash of its tokens counted from its end (left padding does not change it); the item and
    the step travel in the model's inputs, so they follow a row into a smaller decode stage."""

    def __init__(self, model: Any, prompts: Sequence[Sequence[int]],
                 answers: Sequence[Sequence[int]], eos: int, max_new_tokens: int) -> None:
        import jax.numpy as jnp
        import numpy as np

        from training.decoding import left_pad

        self.model = model
        longest = max(len(p) for p in prompts)
        self.weights = jnp.asarray(np.random.default_rng(0).integers(
            1, 2**31 - 1, size=longest), jnp.int32)
        ids, mask = left_pad(prompts, longest, 0)
        keys = np.asarray(self.key(jnp.asarray(ids), jnp.asarray(mask)))
        if len(set(keys.tolist())) != len(prompts):
            raise SystemExit("two eval prompts share a hash; change the weights' seed")
        order = np.argsort(keys)
        scripts = np.full((len(answers), max_new_tokens + 1), eos, np.int32)
        for row, answer in enumerate(answers):
            cut = list(answer)[:max_new_tokens + 1]
            scripts[row, :len(cut)] = cut
        self.keys = jnp.asarray(keys[order])
        self.scripts = jnp.asarray(scripts[order])

    def key(self, input_ids: Any, attention_mask: Any) -> Any:
        import jax.numpy as jnp

        width = input_ids.shape[1]
        weights = self.weights[:width][::-1]  # the last token gets weights[0]
        return jnp.sum(input_ids * attention_mask * weights, axis=1, dtype=jnp.int32)

    def prepare_inputs_for_generation(self, input_ids: Any, max_length: int,
                                      attention_mask: Any) -> dict[str, Any]:
        import jax.numpy as jnp

        inner = self.model.prepare_inputs_for_generation(input_ids, max_length, attention_mask)
        item = jnp.searchsorted(self.keys, self.key(input_ids, attention_mask))
        return {"inner": inner, "item": item.astype(jnp.int32),
                "step": jnp.zeros(input_ids.shape[0], jnp.int32)}

    def update_inputs_for_generation(self, outputs: Any, kwargs: dict[str, Any]) -> Any:
        inner = self.model.update_inputs_for_generation(outputs, kwargs["inner"])
        return {"inner": inner, "item": kwargs["item"], "step": kwargs["step"] + 1}

    def __call__(self, input_ids: Any, params: Any, inner: Any, item: Any, step: Any) -> Any:
        import jax
        import jax.numpy as jnp

        out = self.model(input_ids, params=params, **inner)
        real = out.logits[:, -1:].astype(jnp.float32)
        token = self.scripts[item, step]
        # The real logits stay in the sum (times 0), so their computation is not optimised away.
        logits = jax.nn.one_hot(token, real.shape[-1])[:, None, :] * 1e4 + 0.0 * real
        return type("Out", (), {"logits": logits, "past_key_values": out.past_key_values})()


def load(args: argparse.Namespace) -> tuple[Any, Any]:
    from training.backends import backend_for
    from training.config import load_config

    if args.gemma:
        cfg, loaded = load_config(FULL_CONFIG).config, gemma_like_model()
    else:
        cfg = load_config(SMOKE_CONFIG).config
        loaded = backend_for(cfg.backend).load(cfg.model, max_seq_len=cfg.data.max_seq_len,
                                               config_path=SMOKE_CONFIG, seed=0)
    if args.max_new_tokens:
        cfg = cfg.model_copy(update={"eval": cfg.eval.model_copy(
            update={"max_new_tokens": args.max_new_tokens})})
    return cfg, loaded


def with_reference_answers(loaded: Any, items: Sequence[Any], max_new_tokens: int,
                           template: str) -> Any:
    from training.batching import encode_prompt

    tokenizer = loaded.tokenizer
    prompts = [encode_prompt(tokenizer, item.prompt, template) for item in items]
    answers = [[*tokenizer.encode(item.target, specials=False), tokenizer.eos_id]
               for item in items]
    module = ReferenceAnswers(loaded.module, prompts, answers, tokenizer.eos_id, max_new_tokens)
    return replace(loaded, module=module)


def bench(cfg: Any, loaded: Any, trials: int) -> dict[str, Any]:
    from training.backends import backend_for
    from training.compile_watch import CompileWatch
    from training.dataset.registry import load_dataset
    from training.evaluate import evaluate
    from training.sharding import make_mesh

    items = load_dataset("dev-reasoning-v2").eval
    mesh = make_mesh("data_parallel")
    backend = CachedGenerate(backend_for(cfg.backend))
    settings = {"before": (0, 1), "after": (cfg.eval.buckets, cfg.eval.decode_stages)}
    models = {"random": loaded,
              "reference": with_reference_answers(loaded, items, cfg.eval.max_new_tokens,
                                                cfg.data.prompt_template)}
    result: dict[str, Any] = {
        "model": loaded.model_id, "eval_prompts": len(items),
        "eval_batch_rows": cfg.eval.batch_size, "max_new_tokens": cfg.eval.max_new_tokens,
        "eval_buckets": cfg.eval.buckets, "decode_stages": cfg.eval.decode_stages,
        "devices": f"{mesh.size} x {mesh.devices.flat[0].device_kind}"}

    def run(model: Any, buckets: int, stages: int) -> Any:
        return evaluate(backend, model, model.params, items, batch_size=cfg.eval.batch_size,
                        max_new_tokens=cfg.eval.max_new_tokens, mesh=mesh,
                        config_path="bench", buckets=buckets, decode_stages=stages,
                        prompt_template=cfg.data.prompt_template)

    for answers, model in models.items():
        times: dict[str, list[float]] = {when: [] for when in settings}
        outcome: dict[str, Any] = {}
        for when, (buckets, stages) in settings.items():
            with CompileWatch() as watch:
                started = time.perf_counter()
                outcome[when] = run(model, buckets, stages)
                result[f"{answers}_{when}_eval_s_with_compilation"] = round(
                    time.perf_counter() - started, 2)
            result[f"{answers}_{when}_generate_compilations"] = watch.count("generate")
        for _ in range(trials):
            for when, (buckets, stages) in settings.items():
                started = time.perf_counter()
                run(model, buckets, stages)
                times[when].append(time.perf_counter() - started)
        for when, evaluation in outcome.items():
            stats = evaluation.stats
            seconds = statistics.median(times[when])
            prefix = f"{answers}_{when}"
            result.update({
                f"{prefix}_prompt_lengths_tokens": list(stats.prompt_lengths),
                f"{prefix}_prompt_real_fraction": round(stats.prompt_tokens
                                                        / stats.prompt_positions, 4),
                f"{prefix}_new_tokens": stats.new_tokens,
                f"{prefix}_computed_decode_row_steps": stats.computed_row_steps,
                f"{prefix}_wasted_decode_fraction": round(stats.wasted_decode_fraction, 4),
                f"{prefix}_eval_s": round(seconds, 3),
                f"{prefix}_trial_s": [round(t, 3) for t in times[when]],
                f"{prefix}_new_tokens_per_s": round(stats.new_tokens / seconds, 1),
                f"{prefix}_correct_fraction": round(
                    sum(p.correct for p in evaluation.predictions) / len(items), 4),
            })
        if outcome["before"].predictions != outcome["after"].predictions:
            raise SystemExit(f"{answers}: the answers changed with bucketing")
        result[f"{answers}_same_predictions_before_and_after"] = True
        result[f"{answers}_new_tokens_per_s_ratio_vs_before"] = round(
            result[f"{answers}_after_new_tokens_per_s"]
            / result[f"{answers}_before_new_tokens_per_s"], 3)
    result["wasted_decode_fraction"] = result["reference_after_wasted_decode_fraction"]
    result["wasted_decode_fraction_before"] = result["reference_before_wasted_decode_fraction"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(REPO)
    cfg, loaded = load(args)
    result: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                         f"Python {platform.python_version()}",
                              "config": FULL_CONFIG if args.gemma else SMOKE_CONFIG}
    result.update(bench(cfg, loaded, args.trials))
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "eval_bench_gemma.json" if args.gemma else "eval_bench.json"
    (out_dir / name).write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>48}: {value}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
