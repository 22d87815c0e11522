"""Training throughput and memory: the workbench's trainer against a plain TRL SFTTrainer script.

Both sides train the bundled model on the same 32 Task API examples (the demo seed, its
system prompt and tools) for one epoch: the same data and the same number of tokens.

- trl: the textbook recipe. SFTTrainer on a conversational dataset with assistant-only
  loss (the workbench chat template supplies the generation markers), LoRA r=16 alpha=32
  on all linear layers, batch 4, gradient accumulation 2, fp32, default padding, TRL's
  other defaults.
- workbench: the `cpu-lora` preset's trainer (WorkbenchTrainer): shared prefix,
  logits only on labelled positions, chunked backward, bf16 where the CPU has AMX,
  batch 8, gradient accumulation 1: 8 examples per optimiser step on both sides.

Each side runs in its own process, so each peak RSS is its own. tokens/s is the
examples' tokens (prompt and completion, no padding) over the wall time of
`trainer.train()`; model loading is not counted.

    .venv/bin/python bench/train.py [--examples 32]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SYSTEM = "You are a helpful assistant that can call tools. Today is 2026-03-02."


def examples(n: int):
    from workbench.examples import ExampleFile

    exs = ExampleFile.load(ROOT / "sample_tools/task_api/seed.jsonl").examples
    return (exs * (n // len(exs) + 1))[:n]


def count_tokens(exs, tokenizer) -> int:
    from workbench.train.data import featurize

    return sum(featurize(e, tokenizer, SYSTEM).total_tokens for e in exs)


def side_trl(n: int, out: Path) -> dict:
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from workbench.chat_format import chat_template, system_block
    from workbench.models import load_model

    model, tok = load_model("bundled:smollm2-135m")
    tok.chat_template = chat_template()
    exs = examples(n)
    # The tools go into the system turn as text (exactly what the template renders for them):
    # an Arrow `tools` column would union every tool's properties and fill the rest with nulls.
    rows = [{"messages": [{"role": "system", "content": system_block(SYSTEM, e.tools)}]
             + [{"role": m["role"], "content": m.get("content"), "tool_calls": m.get("tool_calls"),
                 "tool_call_id": m.get("tool_call_id")} for m in e.messages]} for e in exs]
    args = SFTConfig(output_dir=str(out), per_device_train_batch_size=4, gradient_accumulation_steps=2,
                     num_train_epochs=1, learning_rate=2e-4, assistant_only_loss=True, report_to="none",
                     logging_steps=1, save_strategy="no", use_cpu=True, max_length=4096, disable_tqdm=True)
    lora = LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                         peft_config=lora)
    start = time.perf_counter()
    trainer.train()
    return {"train_s": time.perf_counter() - start, "tokens": count_tokens(exs, tok),
            "steps": trainer.state.global_step}


def side_workbench(n: int, out: Path) -> dict:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig

    from workbench.models import load_model
    from workbench.train.config import make_config
    from workbench.train.data import featurize_all
    from workbench.train.trainer import WorkbenchTrainer
    from workbench.train.worker import pick_precision

    cfg = make_config("cpu-lora", {"epochs": 1})   # LoRA on both sides: the trainer, not the recipe, compared
    precision = pick_precision(cfg, "cpu")
    # As the worker does: the frozen base in bf16 when training in bf16.
    model, tok = load_model("bundled:smollm2-135m", dtype=torch.bfloat16 if precision == "bf16" else None)
    model.train()
    exs = examples(n)
    feats, _ = featurize_all(exs, tok, SYSTEM, cfg.max_length)
    args = SFTConfig(output_dir=str(out), per_device_train_batch_size=cfg.batch_size,
                     gradient_accumulation_steps=cfg.grad_accum, num_train_epochs=1, learning_rate=cfg.learning_rate,
                     report_to="none", logging_steps=1, save_strategy="no", use_cpu=True, bf16=precision == "bf16",
                     disable_tqdm=True, remove_unused_columns=False, dataset_kwargs={"skip_prepare_dataset": True},
                     max_length=None, gradient_checkpointing=False)
    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = WorkbenchTrainer(model=model, args=args, processing_class=tok, peft_config=lora,
                               train_dataset=Dataset.from_dict({"input_ids": [f.input_ids for f in feats],
                                                                "labels": [f.labels for f in feats]}),
                               train_features=feats, pad_id=tok.pad_token_id, suffix_chunk=cfg.suffix_chunk)
    start = time.perf_counter()
    trainer.train()
    return {"train_s": time.perf_counter() - start, "tokens": count_tokens(exs, tok),
            "steps": trainer.state.global_step, "precision": precision}


def run_side(name: str, n: int) -> dict:
    res = subprocess.run([sys.executable, __file__, "--side", name, "--examples", str(n)], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        raise SystemExit(f"{name} side failed:\n{res.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=32)
    ap.add_argument("--side", choices=["trl", "workbench"])
    args = ap.parse_args()
    if args.side:
        with tempfile.TemporaryDirectory() as tmp:
            result = (side_trl if args.side == "trl" else side_workbench)(args.examples, Path(tmp))
        result["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        result["tokens_per_s"] = round(result["tokens"] / result["train_s"], 1)
        print(json.dumps(result))
        return
    ours = run_side("workbench", args.examples)
    trl = run_side("trl", args.examples)
    print(json.dumps({"examples": args.examples, "workbench": ours, "trl": trl,
                      "speedup": round(ours["tokens_per_s"] / trl["tokens_per_s"], 2),
                      "memory_ratio": round(trl["rss_peak_mb"] / ours["rss_peak_mb"], 2)}, indent=2))


if __name__ == "__main__":
    main()
