"""One typed training config, saved whole with every run (runs/<id>/config.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConfigError(Exception):
    """A config cannot be used; the message names the field."""


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_model: str = "bundled:smollm2-135m"
    """Model spec (see workbench.models)."""
    preset: str = "cpu-quick"
    """The preset these values started from."""
    finetune: Literal["lora", "full"] = "lora"
    """lora: train a LoRA adapter (runs/<id>/adapter/); full: train every weight (runs/<id>/model/, a whole
    model). Full fine-tuning learns new skills faster on small models; LoRA is small and gentle on the base."""
    tool_format: Literal["compact", "json"] = "json"
    """How the prompt writes the tools: json (their JSON Schemas, as the base model saw tools in its own
    training) or compact (a line per parameter: 31% fewer system-turn tokens, 6% faster steps, but not
    yet shown to keep quality: docs/training.md). Saved with the model; every later use renders the same."""
    # LoRA
    lora_r: int = Field(16, ge=1, le=1024)
    """LoRA rank."""
    lora_alpha: int = Field(32, ge=1)
    """LoRA scaling numerator (alpha / r scales the update)."""
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0)
    """Dropout on the adapter input; 0 saves a copy of every adapted layer's input (much memory on CPU)."""
    target_modules: str | list[str] = "all-linear"
    """Which linear layers get adapters; "all-linear" is the classic recipe."""
    # Optimisation
    learning_rate: float = Field(2e-4, gt=0.0, le=1.0)
    epochs: float = Field(3.0, gt=0.0)
    max_steps: int = Field(-1, ge=-1)
    """Stop after this many optimiser steps (-1: run all epochs)."""
    max_minutes: float = Field(0.0, ge=0.0)
    """Stop after this many minutes of training in one launch (0: no limit), and save the model as when
    the steps run out. The schedule still spans `max_steps`: set both so the budget ends late in it."""
    batch_size: int = Field(8, ge=1)
    """Examples per micro-batch (all sharing one system-and-tools prefix)."""
    grad_accum: int = Field(1, ge=1)
    warmup_ratio: float = Field(0.1, ge=0.0, le=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "cosine"
    max_grad_norm: float = Field(1.0, gt=0.0)
    decision_weight: float = Field(1.0, ge=1.0, le=100.0)
    """Loss weight of the tokens that decide a turn (call or answer, tool name, argument keys, one more call
    or stop) against 1 for the rest, which is mostly copied text; the loss keeps its per-token scale."""
    max_length: int = Field(2048, ge=64)
    """Longer examples are dropped (and counted in the run log), never silently cut."""
    seed: int = 42
    # Precision and device
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    """auto: bf16 where the hardware supports it (CUDA with bf16, or a CPU with AMX/AVX512-BF16), else fp32."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # Speed and memory
    shared_prefix: bool = True
    """Run the system-and-tools prefix once per batch instead of once per example (exact; see docs)."""
    suffix_chunk: int = Field(1, ge=0)
    """Backward the suffixes of a batch this many at a time (0: all at once). Exact; bounds memory to one chunk
    plus the prefix: batch 8 of the Task API peaks at 3.6 GB with 1, 10 GB with 0, at the same speed on CPU."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, slower; turns shared_prefix off (it needs a cache)."""
    # Evaluation and checkpoints
    val_fraction: float | None = Field(None, ge=0.0, lt=1.0)
    """Held-out share; None uses the project's setting."""
    eval_every: int = Field(0, ge=0)
    """Evaluate every N steps (0: once per epoch)."""
    save_every: int = Field(0, ge=0)
    """Checkpoint every N steps (0: once per epoch)."""
    eval_sample: int = Field(8, ge=0)
    """Val cases generated and scored at each evaluation (tool selection, JSON validity); 0 turns it off."""
    save_total_limit: int = Field(2, ge=1)
    logging_steps: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _check(self) -> "TrainConfig":
        if isinstance(self.target_modules, list) and not self.target_modules:
            raise ValueError("target_modules must name at least one module, or be 'all-linear'")
        return self


PRESETS: dict[str, dict] = {
    # The bundled 135M model on a laptop CPU: every weight trained. The fit check (bench/fit.py,
    # docs/training.md): after 8 minutes, the right tool on 75% of its own 64 examples (49% exact
    # arguments), against 21% for the old LoRA r16 at 5e-4, 48% for full at 5e-5, and 72% (43%)
    # for LoRA r64 at 1e-3, the `cpu-lora` preset.
    # decision_weight 4 lifted tool selection from 64.6% to 70.8% on the hand-written seed
    # (docs/benchmarks.md), so every preset uses it.
    "cpu-quick": dict(finetune="full", learning_rate=2e-4, epochs=5, batch_size=8, grad_accum=1, warmup_ratio=0.1,
                      lr_scheduler="cosine", precision="auto", device="auto", suffix_chunk=1, decision_weight=4.0),
    # LoRA on a CPU: a small adapter, gentle on the base. At rank 64 and lr 1e-3 ("LoRA Without
    # Regret": high rank, about 10x the full learning rate) it nearly keeps up with full fine-tuning.
    "cpu-lora": dict(finetune="lora", lora_r=64, lora_alpha=128, lora_dropout=0.0, learning_rate=1e-3, epochs=5,
                     batch_size=8, grad_accum=1, warmup_ratio=0.1, lr_scheduler="cosine", precision="auto",
                     device="auto", suffix_chunk=1, decision_weight=4.0),
    # A single modern GPU: the textbook recipe, larger effective batch.
    "gpu": dict(lora_r=16, lora_alpha=32, learning_rate=2e-4, epochs=3, batch_size=16, grad_accum=2,
                warmup_ratio=0.1, lr_scheduler="cosine", precision="auto", device="cuda", suffix_chunk=0,
                decision_weight=4.0),
}


def run_config(saved: dict) -> TrainConfig:
    """A run's saved config. Runs saved before `tool_format` existed trained on tools written as JSON."""
    from workbench.chat_format import LEGACY_TOOL_FORMAT

    return TrainConfig.model_validate({"tool_format": LEGACY_TOOL_FORMAT, **saved})


def make_config(preset: str = "cpu-quick", overrides: dict | None = None, base_model: str | None = None,
                config_file: str | Path | None = None) -> TrainConfig:
    """Preset values, then a config file, then explicit overrides. Errors name the field."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    values: dict = {**PRESETS[preset], "preset": preset}
    if config_file:
        path = Path(config_file)
        try:
            values.update(json.loads(path.read_text()))
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if base_model:
        values["base_model"] = base_model
    values.update(overrides or {})
    try:
        return TrainConfig.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "config"
        raise ConfigError(f"invalid {field}: {err['msg']} (got {err.get('input')!r})") from None
