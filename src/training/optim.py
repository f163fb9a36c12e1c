"""The optimizer a config names: clipping, then Adafactor or AdamW, on a warmup-cosine schedule."""

from __future__ import annotations

import optax

from training.config import TrainConfig


def learning_rate_schedule(cfg: TrainConfig) -> optax.Schedule:
    """Linear warmup to the peak, then cosine decay to a tenth of it at the last step."""
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0 if cfg.warmup_steps else cfg.learning_rate,
        peak_value=cfg.learning_rate,
        warmup_steps=cfg.warmup_steps,
        decay_steps=max(cfg.steps, cfg.warmup_steps + 1),
        end_value=cfg.learning_rate / 10,
    )


def make_optimizer(cfg: TrainConfig) -> optax.GradientTransformation:
    schedule = learning_rate_schedule(cfg)
    if cfg.optimizer == "adafactor":
        # Factored second moments: memory per matrix is rows + columns, not rows x columns.
        core = optax.adafactor(learning_rate=schedule,
                               weight_decay_rate=cfg.weight_decay or None)
    else:
        core = optax.adamw(learning_rate=schedule, weight_decay=cfg.weight_decay)
    if cfg.max_grad_norm is None:
        return core
    return optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm), core)
