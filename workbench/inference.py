"""Generation shared by evaluation, chat and serving: one model, batched greedy decoding.

Prompts are rendered with the workbench chat format (workbench.chat_format) and decoded
until `<|im_end|>`. Batches are left-padded so every row's next token is at the end.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.dates import fill_prompt


@dataclass
class Generation:
    text: str
    new_tokens: int
    seconds: float


def is_adapter(path: Path | None) -> bool:
    return path is not None and (Path(path) / "adapter_config.json").exists()


def resolve_model_ref(ref: str, runs_dir: Path | None = None, default_base: str = "bundled:smollm2-135m"):
    """(model spec, trained dir or None) for `base`, a run id (or unique prefix), a run dir, an adapter
    dir, a fine-tuned model dir, or a model spec. The trained dir holds workbench.json (the prompt the
    model was trained with); for a LoRA run it is the adapter to put on the base, for a full run
    it is the model itself (and the spec names it)."""
    if ref == "base":
        return default_base, None
    path = Path(ref)
    runs = [path]
    if runs_dir is not None and not path.is_absolute():  # a path is not a run id (and glob refuses one)
        runs += [runs_dir / ref] + sorted(runs_dir.glob(f"{ref}*"))
    for c in [path] + [d for r in runs for d in (r / "adapter", r / "model")]:
        if is_adapter(c):
            meta = c / "workbench.json"
            base = json.loads(meta.read_text())["base_model"] if meta.exists() else json.loads(
                (c / "adapter_config.json").read_text()).get("base_model_name_or_path", default_base)
            return base, c
        if (c / "config.json").exists() and (c / "workbench.json").exists():   # a fully fine-tuned run
            return str(c), c
    return ref, None


def adapter_system_prompt(adapter: Path | None, default: str, today: str | None = None) -> str:
    """The system prompt an adapter was trained with (saved in its workbench.json), else `default`.

    With `today`, the saved template is filled in for that day instead, so that `{today}` and
    `{calendar}` name the day the model is used on. Adapters saved before templates were kept
    answer with the prompt they were trained with.
    """
    meta = Path(adapter) / "workbench.json" if adapter is not None else None
    if meta is None or not meta.exists():
        return default
    saved = json.loads(meta.read_text())
    if today and saved.get("system_prompt_template"):
        return fill_prompt(saved["system_prompt_template"], today)
    return saved.get("system_prompt", default)


def trained_tool_format(trained: Path | None) -> str:
    """How the tools were written in the prompts a model was trained on (saved in workbench.json).

    Models trained before the format was recorded saw JSON; a base model gets the default."""
    from workbench.chat_format import DEFAULT_TOOL_FORMAT, LEGACY_TOOL_FORMAT

    meta = Path(trained) / "workbench.json" if trained is not None else None
    if meta is None or not meta.exists():
        return DEFAULT_TOOL_FORMAT
    return json.loads(meta.read_text()).get("tool_format", LEGACY_TOOL_FORMAT)


class Engine:
    """A loaded model (with its adapter, if any) that generates from rendered prompts.

    `adapter`: the trained dir from `resolve_model_ref`; a LoRA adapter is merged into the base,
    a fully fine-tuned model is `base` itself."""

    def __init__(self, base: str, adapter: Path | None = None, device: str | None = None, dtype=None):
        from workbench.models import load_model, stop_token_ids

        model, tokenizer = load_model(base, dtype=dtype, device=device)
        if is_adapter(adapter):
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter))
            model = model.merge_and_unload()  # plain weights: faster, and generation is unchanged
        model.eval()
        self.model, self.tokenizer = model, tokenizer
        self.base, self.adapter = base, adapter
        self.stop_ids = stop_token_ids(tokenizer)
        self.device = next(model.parameters()).device

    def generate(self, prompts: list[str], max_new_tokens: int = 256) -> list[Generation]:
        """Greedy continuations of `prompts` in one left-padded batch."""
        return generate_greedy(self.model, self.tokenizer, prompts, max_new_tokens, self.stop_ids)


def generate_greedy(model, tokenizer, prompts: list[str], max_new_tokens: int,
                    stop_ids: list[int], should_stop=None) -> list[Generation] | None:
    """Greedy continuations of `prompts` in one left-padded batch, each cut at its first stop token.

    Used by the Engine and by the trainer's evaluation callback (on the model being trained).
    `should_stop`, checked between tokens, cancels the batch: the answer is then None.
    """
    import torch

    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    finally:
        tokenizer.padding_side = side
    start = time.perf_counter()
    extra = {}
    if should_stop is not None:
        from transformers import StoppingCriteria, StoppingCriteriaList

        class _Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), bool(should_stop()), dtype=torch.bool,
                                  device=input_ids.device)

        extra["stopping_criteria"] = StoppingCriteriaList([_Cancel()])
    with torch.inference_mode():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stop_ids,
                             pad_token_id=tokenizer.pad_token_id, **extra)
    if should_stop is not None and should_stop():
        return None
    seconds = time.perf_counter() - start
    results = []
    for row in out[:, enc["input_ids"].shape[1]:]:
        ids = row.tolist()
        n = next((i for i, t in enumerate(ids) if t in stop_ids), len(ids))
        results.append(Generation(tokenizer.decode(ids[:n], skip_special_tokens=False), n, seconds))
    return results
