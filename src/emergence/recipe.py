"""A finetuning recipe: typed, with defaults, unknown keys refused.

A recipe is named in the config (`finetune.methods.<name>`; the name is what the
observations' `method` column holds) and has a `kind`: `lora` (peft), `prefix` (peft's
prefix tuning: trained key/value prefixes, the paper's Fig. 11) or `full`. It never
sets the prompt: N, delimiters and description are the task's own (emergence.prompt). The
schema checks recipes at load time; `Recipe.from_config` checks again for callers outside
the workflow.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

KINDS = ("lora", "prefix", "full")
SCHEDULES = ("constant", "linear", "cosine", "inverse")


@dataclass(frozen=True)
class Lora:
    r: int = 8
    alpha: float = 16
    dropout: float = 0.0
    target_modules: tuple | None = None  # None: peft's default for the architecture


@dataclass(frozen=True)
class Recipe:
    kind: str = "lora"
    lora: Lora = field(default_factory=Lora)
    prefix_tokens: int = 8  # kind prefix: virtual tokens per layer
    lr: float = 3e-3
    batch_size: int = 16
    epochs: float = 8
    min_steps: int = 10
    max_steps: int = 150
    weight_decay: float = 0.0
    gradient_checkpointing: bool = False  # trade compute for memory on large models
    lr_schedule: str = "constant"  # after warm-up: constant, linear or cosine decay to 0, or inverse
    warmup_steps: int = 0
    # inverse: lr x t0 / (t0 + steps after warm-up). The summed rate then grows like log(steps),
    # so each doubling of D (of steps) moves the adapter by the same amount, not twice as far
    lr_t0: float = 4.0

    @classmethod
    def from_config(cls, spec: dict, name: str = "recipe") -> Recipe:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"{name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        lora = dict(spec.get("lora") or {})
        bad = sorted(set(lora) - {f.name for f in fields(Lora)})
        if bad:
            raise ValueError(f"{name}.lora: unknown key(s) {', '.join(bad)}")
        if lora.get("target_modules") is not None:
            lora["target_modules"] = tuple(lora["target_modules"])
        r = cls(**{**spec, "lora": Lora(**lora)})
        if r.kind not in KINDS:
            raise ValueError(f"{name}.kind: {r.kind!r} is not one of {', '.join(KINDS)}")
        if r.lr_schedule not in SCHEDULES:
            raise ValueError(f"{name}.lr_schedule: {r.lr_schedule!r} is not one of {', '.join(SCHEDULES)}")
        if not r.lr_t0 > 0:
            raise ValueError(f"{name}.lr_t0: expected > 0 (steps), got {r.lr_t0!r}")
        if r.min_steps > r.max_steps:
            raise ValueError(f"{name}.min_steps: {r.min_steps} exceeds max_steps = {r.max_steps}")
        return r

    def n_steps(self, d: int) -> int:
        """Optimizer steps for D examples: epochs x D / batch_size, within min..max_steps."""
        return int(min(self.max_steps, max(self.min_steps, math.ceil(self.epochs * d / self.batch_size))))

    def lr_factor(self, step: int, steps: int) -> float:
        """Multiplier of lr at optimizer step `step` (0-based) of `steps`."""
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if self.lr_schedule == "constant":
            return 1.0
        if self.lr_schedule == "inverse":
            return self.lr_t0 / (self.lr_t0 + step - self.warmup_steps)
        frac = (step - self.warmup_steps) / max(1, steps - self.warmup_steps)
        return 1.0 - frac if self.lr_schedule == "linear" else 0.5 * (1 + math.cos(math.pi * frac))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["lora"]["target_modules"] = (list(self.lora.target_modules) if self.lora.target_modules is not None
                                         else None)
        return out
