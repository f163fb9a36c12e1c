"""Trainer benchmark: real tokens/s of the bucketed step against today's padded step on the same
examples, the trainer's step against a minimal plain-JAX step, and the smoke command's time.

    .venv/bin/python bench/train_bench.py [--config configs/smoke_tiny.yaml] [--gemma]
                                          [--steps 6] [--trials 3] [--plan-steps N]
                                          [--skip-smoke] [--skip-reference] [--json]
    .venv/bin/python bench/train_bench.py --tunix [--steps 2] [--trials 9] [--skip-smoke]
                                          [--json]

Bucketed against padded: one run's batches are planned as the trainer plans them
(`training.batching.plan_batches`, `data.buckets` lengths chosen for these batches); the same
batches, the same examples in each, are also padded to `data.max_seq_len` as every step was
before bucketing. Both go through the trainer's own step (`make_train_step`, each shape
compiled once first); trials alternate between them so machine noise hits both, and the median
trial counts. Both compute the same real tokens, so the ratio of real tokens/s is the ratio of
times. `real_token_fraction` is over the whole plan (a run's worth of steps).

`--gemma`: the shapes of configs/submission_gemma_flax.yaml (its batch, accumulation, sequence
length, bucket count and steps) with a small random Gemma (2 layers, hidden 128, the real
model's 1 key/value head) and `GemmaLikeTokenizer`, a stand-in for Gemma's tokenizer, which is
neither shipped nor reachable here.

The reference step is what one would write by hand: `jax.jit(value_and_grad(loss))` plus the
optax update, no mesh, no shardings, no accumulation scan, no metrics, on one padded batch.

`--tunix`: the Tunix backend instead (bench/train_bench_tunix.py): the tiny Gemma 3 of
configs/smoke_gemma3_tiny.yaml, loaded, adapted and planned as the launcher does, trained by the
backend's TunixTrainer (Tunix's PeftTrainer) against a plain-JAX step of the same model over
its LoRA parameters; the smoke command is the Tunix one.

Results go to stdout and bench/out/train_bench.json (train_bench_tunix.json with --tunix);
with --json the last line is one JSON object of every figure, each named for what it is, then
its unit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FULL_CONFIG = "configs/submission_gemma_flax.yaml"
SMOKE_COMMAND = [sys.executable, "-m", "training.run_train_jax",
                 "--config", FULL_CONFIG,
                 "--smoke_config", "configs/smoke_tiny.yaml", "--dataset", "dev-reasoning-v2",
                 "--device", "auto", "--smoke_steps", "2", "--overwrite"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None,
                        help="the config to bench (default configs/smoke_tiny.yaml)")
    parser.add_argument("--gemma", action="store_true",
                        help=f"the shapes of {FULL_CONFIG}, a small random Gemma")
    parser.add_argument("--tunix", action="store_true",
                        help="the Tunix backend: its trainer against a plain-JAX step, on the "
                             "Tunix smoke config")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per trial (default 6; --tunix: 2)")
    parser.add_argument("--trials", type=int, default=None, help="(default 3; --tunix: 9)")
    parser.add_argument("--plan-steps", type=int, default=None,
                        help="steps planned (default: the full config's steps, or one epoch "
                             "of the smoke config, whichever is more)")
    parser.add_argument("--skip-smoke", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if args.tunix and (args.gemma or args.config or args.plan_steps or args.skip_reference):
        parser.error("--tunix benches the Tunix smoke config, its planned steps and the "
                     "reference: it takes --steps, --trials, --skip-smoke and --json only")
    args.config = args.config or "configs/smoke_tiny.yaml"
    # --tunix: the smoke run's own 2 steps (2 lengths to compile for each of the three steps
    # timed, against 4 for 4 steps or more), and more, shorter trials: more alternations
    # against the noise of a shared machine.
    args.steps = args.steps or (2 if args.tunix else 6)
    args.trials = args.trials or (9 if args.tunix else 3)
    return args


class GemmaLikeTokenizer:
    """Stands in for Gemma's SentencePiece tokenizer: one token per digit (Gemma splits digits
    too), per word with its leading space, and per other character; BOS before a prompt. Gemma
    keeps common English words whole, as here, and splits rarer ones and markup such as
    `<reasoning>` into a few pieces, so its lengths are of this order, somewhat longer."""

    PIECES = re.compile(r"\d| ?[A-Za-z]+| ?[^\sA-Za-z\d]|\s")
    PAD, EOS, BOS = 0, 1, 2

    def __init__(self, texts: Sequence[str]) -> None:
        pieces = sorted({piece for text in texts for piece in self.PIECES.findall(text)})
        self.vocab = {piece: 3 + index for index, piece in enumerate(pieces)}
        self.pieces = {index: piece for piece, index in self.vocab.items()}

    @property
    def eos_id(self) -> int:
        return self.EOS

    @property
    def pad_id(self) -> int:
        return self.PAD

    def encode(self, text: str, *, specials: bool) -> list[int]:
        ids = [self.vocab[piece] for piece in self.PIECES.findall(text)]
        return [self.BOS, *ids] if specials else ids

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.pieces.get(int(i), "") for i in ids)

    def __len__(self) -> int:
        return 3 + len(self.vocab)


def gemma_like_model(hidden: int = 128, layers: int = 2) -> Any:
    """A small random Gemma (the real one's single key/value head) and `GemmaLikeTokenizer` over
    dev-reasoning-v2's text, as a `LoadedModel`."""
    import jax
    from transformers import FlaxGemmaForCausalLM, GemmaConfig

    from training.backends.base import LoadedModel
    from training.dataset.registry import load_dataset

    items = load_dataset("dev-reasoning-v2").items
    tokenizer = GemmaLikeTokenizer([text for item in items for text in (item.prompt,
                                                                         item.target)])
    config = GemmaConfig(vocab_size=len(tokenizer), hidden_size=hidden,
                         intermediate_size=4 * hidden, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=1, head_dim=hidden // 4,
                         max_position_embeddings=512, hidden_activation="gelu_pytorch_tanh",
                         pad_token_id=tokenizer.PAD, eos_token_id=tokenizer.EOS,
                         bos_token_id=tokenizer.BOS)
    model = FlaxGemmaForCausalLM(config, _do_init=False)
    params = model.init_weights(jax.random.PRNGKey(0), (1, 1))
    return LoadedModel(module=model, params=params, tokenizer=tokenizer,
                       model_id=f"tiny-gemma ({layers} layers, hidden {hidden})", revision=None,
                       family="gemma", dtype="float32", max_positions=512)


def load_run(args: argparse.Namespace) -> tuple[Any, Any]:
    """(the run config, the loaded model) the bench measures."""
    from training.backends import backend_for
    from training.config import load_config

    if args.gemma:
        return load_config(FULL_CONFIG).config, gemma_like_model()
    cfg = load_config(args.config).config
    loaded = backend_for(cfg.backend).load(cfg.model, max_seq_len=cfg.data.max_seq_len,
                                           config_path=args.config, seed=0)
    return cfg, loaded


def reference_step(apply_module: Any, optimizer: Any) -> Any:
    """The minimal plain-JAX step: masked next-token loss, gradient, optax update."""
    import jax
    import jax.numpy as jnp
    import optax

    def loss_fn(params: Any, input_ids: Any, attention_mask: Any, loss_mask: Any) -> Any:
        positions = jnp.broadcast_to(jnp.arange(input_ids.shape[1]), input_ids.shape)
        logits = apply_module({"params": params}, input_ids, attention_mask, positions,
                              deterministic=True).logits[:, :-1].astype(jnp.float32)
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, input_ids[:, 1:])
        mask = loss_mask[:, 1:]
        return jnp.sum(losses * mask) / jnp.sum(mask)

    def step(params: Any, opt_state: Any, input_ids: Any, attention_mask: Any,
             loss_mask: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(params, input_ids, attention_mask, loss_mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return jax.jit(step, donate_argnums=(0, 1))


class TrainerStep:
    """The trainer's step set up the way the pipeline sets it up (Mesh over all devices, fixed
    shardings, donated state), with its state."""

    def __init__(self, cfg: Any, train_cfg: Any, loaded: Any) -> None:
        import jax

        from training.backends import backend_for
        from training.optim import learning_rate_schedule, make_optimizer
        from training.sharding import make_mesh, put_global, train_batch_sharding, tree_shardings
        from training.step import init_state, make_train_step

        self.optimizer = make_optimizer(train_cfg)
        mesh = make_mesh(cfg.sharding.strategy)
        shardings = tree_shardings(mesh, jax.eval_shape(
            lambda p: init_state(p, self.optimizer), loaded.params))
        self.state = jax.jit(lambda p: init_state(p, self.optimizer), out_shardings=shardings)(
            jax.tree_util.tree_map(put_global, loaded.params, shardings.params))
        self.batch_sharding = train_batch_sharding(mesh)
        self.step = make_train_step(backend_for(cfg.backend).apply_fn(loaded.module),
                                    self.optimizer, learning_rate_schedule(train_cfg),
                                    shardings, self.batch_sharding)

    def place(self, batch: dict[str, Any]) -> dict[str, Any]:
        from training.sharding import put_global

        return {k: put_global(v, self.batch_sharding) for k, v in batch.items()}

    def run(self, batches: Sequence[dict[str, Any]]) -> float:
        import jax

        start = time.perf_counter()
        for batch in batches:
            self.state, metrics = self.step(self.state, batch)
        jax.block_until_ready(metrics)
        return time.perf_counter() - start


def bench_buckets(cfg: Any, loaded: Any, steps: int, trials: int,
                  plan_steps: int | None) -> dict[str, Any]:
    """The bucketed step against today's padded step on the same examples."""
    from training.batching import encode_examples, plan_batches, planned_batches
    from training.buckets import BatchPlan
    from training.compile_watch import CompileWatch
    from training.dataset.registry import load_dataset

    train = load_dataset("dev-reasoning-v2").train
    examples = encode_examples(loaded.tokenizer, train, cfg.data.max_seq_len, "bench")
    epoch = len(train) // cfg.train.batch_size
    planned = plan_steps or max(cfg.train.steps, epoch)
    plan = plan_batches(examples, batch_size=cfg.train.batch_size, steps=planned,
                        seed=cfg.train.seed, buckets=cfg.data.buckets)
    padded_plan = BatchPlan(plan.batches, (cfg.data.max_seq_len,) * len(plan.batches))
    trainer = TrainerStep(cfg, cfg.train, loaded)
    grad_accum = cfg.train.grad_accum
    bucketed = [trainer.place(b) for b in planned_batches(examples, plan,
                                                          grad_accum=grad_accum)][:steps]
    padded = [trainer.place(b) for b in planned_batches(examples, padded_plan,
                                                        grad_accum=grad_accum)][:steps]
    timed = BatchPlan(plan.batches[:steps], plan.seq_lens[:steps])
    real = sum(int(examples.lengths[b].sum()) for b in timed.batches)
    # Compile every shape first: the whole plan's lengths, and the padded one.
    first_of = {seq: batch for batch, seq in zip(planned_batches(examples, plan,
                                                                 grad_accum=grad_accum),
                                                 plan.seq_lens, strict=True)}
    with CompileWatch() as watch:
        started = time.perf_counter()
        for batch in first_of.values():
            trainer.run([trainer.place(batch)])
        bucketed_warm_s = time.perf_counter() - started
        started = time.perf_counter()
        trainer.run(padded[:1])
        padded_warm_s = time.perf_counter() - started
        trainer.run(bucketed + padded)  # every shape again: no compilation
    compilations = watch.count("train_step")
    padded_times, bucketed_times = [], []
    for _ in range(trials):
        padded_times.append(trainer.run(padded))
        bucketed_times.append(trainer.run(bucketed))
    padded_tps = real / statistics.median(padded_times)
    bucketed_tps = real / statistics.median(bucketed_times)
    return {
        "model": loaded.model_id, "parameters": loaded.parameter_count,
        "batch_rows": cfg.train.batch_size, "grad_accum": grad_accum,
        "max_seq_len_tokens": cfg.data.max_seq_len, "buckets": cfg.data.buckets,
        "planned_steps": planned, "timed_steps": steps, "trials": trials,
        "bucket_lengths_tokens": list(plan.lengths),
        "timed_bucket_lengths_tokens": list(timed.seq_lens),
        "real_token_fraction": round(plan.real_fraction(examples.lengths), 4),
        "padded_real_token_fraction": round(padded_plan.real_fraction(examples.lengths), 4),
        "timed_real_token_fraction": round(timed.real_fraction(examples.lengths), 4),
        "real_tokens_per_s_padded": round(padded_tps, 1),
        "real_tokens_per_s_bucketed": round(bucketed_tps, 1),
        "real_tokens_per_s_ratio_vs_padded": round(bucketed_tps / padded_tps, 3),
        "padded_trial_s": [round(t, 3) for t in padded_times],
        "bucketed_trial_s": [round(t, 3) for t in bucketed_times],
        "train_step_compilations": compilations,
        "train_step_shapes": len(plan.lengths) + (cfg.data.max_seq_len not in plan.lengths),
        "bucketed_first_steps_with_compilation_s": round(bucketed_warm_s, 2),
        "padded_first_step_with_compilation_s": round(padded_warm_s, 2),
    }


def bench_reference(cfg: Any, loaded: Any, steps: int, trials: int) -> dict[str, Any]:
    """The trainer's step against the minimal step, on one padded batch, grad_accum 1."""
    import jax
    import numpy as np

    from training.batching import encode_examples, train_batches
    from training.dataset.registry import load_dataset

    train_cfg = cfg.train.model_copy(update={"grad_accum": 1})
    examples = encode_examples(loaded.tokenizer, load_dataset("dev-reasoning-v2").train,
                               cfg.data.max_seq_len, "bench")
    batch = next(train_batches(examples, batch_size=train_cfg.batch_size, grad_accum=1, seed=0))
    tokens_per_step = int(batch["attention_mask"].sum())
    trainer = TrainerStep(cfg, train_cfg, loaded)
    trainer_batch = trainer.place(batch)
    ref_step = reference_step(loaded.module.module.apply, trainer.optimizer)
    ref_params = jax.tree_util.tree_map(jax.numpy.asarray, loaded.params)
    ref_opt = trainer.optimizer.init(ref_params)
    flat = {k: jax.numpy.asarray(v[0]) for k, v in batch.items()}

    def run_reference(n: int) -> float:
        nonlocal ref_params, ref_opt
        start = time.perf_counter()
        for _ in range(n):
            ref_params, ref_opt, loss = ref_step(ref_params, ref_opt, flat["input_ids"],
                                                 flat["attention_mask"], flat["loss_mask"])
        jax.block_until_ready(loss)
        return time.perf_counter() - start

    trainer.run([trainer_batch] * 2), run_reference(2)  # compile both, warm caches
    trainer_times, reference_times = [], []
    for _ in range(trials):
        trainer_times.append(trainer.run([trainer_batch] * steps))
        reference_times.append(run_reference(steps))
    trainer_tps = tokens_per_step * steps / statistics.median(trainer_times)
    reference_tps = tokens_per_step * steps / statistics.median(reference_times)
    return {
        "reference_real_tokens_per_step": tokens_per_step,
        "trainer_tokens_per_s": round(trainer_tps, 1),
        "reference_tokens_per_s": round(reference_tps, 1),
        "trainer_vs_reference_ratio": round(trainer_tps / reference_tps, 3),
        "trainer_trial_s": [round(t, 3) for t in trainer_times],
        "reference_trial_s": [round(t, 3) for t in reference_times],
        "trainer_trial_spread_fraction": round(float(np.std(trainer_times)
                                                     / np.mean(trainer_times)), 3),
    }


def bench_smoke(output: Path, command: Sequence[str] = SMOKE_COMMAND) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run([*command, "--output", str(output)], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"smoke command failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {"smoke_command_s": round(seconds, 1)}


def bench_tunix_mode(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    """--tunix: the Tunix smoke command, then its trainer against the plain-JAX step."""
    import train_bench_tunix

    result: dict[str, Any] = {"config": train_bench_tunix.SMOKE_CONFIG}
    if not args.skip_smoke:  # first, in a fresh process, before this one loads JAX
        result.update(bench_smoke(out_dir / "smoke-run-tunix",
                                  train_bench_tunix.smoke_command(sys.executable)))
    from training.xla_env import set_run_environment

    set_run_environment("auto", smoke=True)  # as the launcher does, before JAX is imported
    import jax

    result["devices"] = f"{jax.device_count()} x {jax.devices()[0].device_kind}"
    result.update(train_bench_tunix.bench_tunix(args.steps, args.trials))
    return result


def bench_transformers_mode(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"config": FULL_CONFIG if args.gemma else args.config}
    if not args.skip_smoke:  # first, in a fresh process, before this one loads JAX
        result.update(bench_smoke(out_dir / "smoke-run"))
    import jax

    cfg, loaded = load_run(args)
    result["devices"] = f"{jax.device_count()} x {jax.devices()[0].device_kind}"
    result.update(bench_buckets(cfg, loaded, args.steps, args.trials, args.plan_steps))
    if not args.skip_reference:
        result.update(bench_reference(cfg, loaded, args.steps, args.trials))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(REPO)
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                         f"Python {platform.python_version()}",
                              "load_average_1_5_15_min": [round(load, 2)
                                                          for load in os.getloadavg()]}
    if args.tunix:
        result.update(bench_tunix_mode(args, out_dir))
    else:
        result.update(bench_transformers_mode(args, out_dir))
    result["load_average_1_5_15_min_at_end"] = [round(load, 2) for load in os.getloadavg()]
    name = ("train_bench_tunix.json" if args.tunix
            else "train_bench_gemma.json" if args.gemma else "train_bench.json")
    (out_dir / name).write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>42}: {value}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
