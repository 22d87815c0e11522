"""Seconds per training step, by how the tools are written and how the suffixes are chunked (issue 15).

Trains the bundled model with the workbench trainer on the Task API's seed conversations,
with the demo project's system prompt (its calendar included) and the five tools, for a few
optimiser steps of the `cpu-quick` preset (batch 8), and reports per setting: the tokens of
the shared system turn, the mean tokens of a conversation after it, the median seconds of a
step after the first (warm-up) and the peak RSS. Each setting runs in its own process, one
after the other, so the figures share the machine's state and each RSS is its own.

A setting is FINETUNE:CHUNK:TOOL_FORMAT, for example `full:1:compact` (`suffix_chunk` 1:
each conversation's backward alone, the least memory; 8: the whole batch at once).

    .venv/bin/python bench/step.py [--steps 6] [--settings full:1:json full:1:compact ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_SETTINGS = ["full:1:json", "full:1:compact", "full:2:compact", "full:4:compact"]


def one_setting(setting: str, steps: int, out: Path) -> dict:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig

    import sample_tools
    from workbench.dates import fill_prompt
    from workbench.examples import ExampleFile
    from workbench.models import load_model
    from workbench.project import DEFAULT_SYSTEM_PROMPT
    from workbench.train.config import make_config
    from workbench.train.data import featurize_all
    from workbench.train.trainer import WorkbenchTrainer
    from workbench.train.worker import pick_precision

    finetune, chunk, tool_format = setting.split(":")
    cfg = make_config("cpu-quick", {"finetune": finetune, "suffix_chunk": int(chunk), "tool_format": tool_format})
    precision = pick_precision(cfg, "cpu")
    full = finetune == "full"
    model, tok = load_model("bundled:smollm2-135m",
                            dtype=torch.bfloat16 if precision == "bf16" and not full else None)
    model.train()
    tools = sample_tools.get_toolset("task_api").tools
    seed = ExampleFile.load(ROOT / "sample_tools/task_api/seed.jsonl").examples
    n = steps * cfg.batch_size
    exs = (seed * (n // len(seed) + 1))[:n]
    system = fill_prompt(DEFAULT_SYSTEM_PROMPT, "2026-03-02")
    feats, _ = featurize_all(exs, tok, system, cfg.max_length, tools, cfg.decision_weight, cfg.tool_format)
    args = SFTConfig(output_dir=str(out), per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=1,
                     max_steps=steps, learning_rate=cfg.learning_rate, report_to="none", logging_steps=1,
                     save_strategy="no", use_cpu=True, bf16=precision == "bf16", disable_tqdm=True,
                     remove_unused_columns=False, dataset_kwargs={"skip_prepare_dataset": True}, max_length=None,
                     gradient_checkpointing=False)  # TRL turns it on by default; the shared prefix needs a cache
    lora = None if full else LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, target_modules="all-linear",
                                        task_type="CAUSAL_LM")
    ends: list[float] = []

    class Clock(TrainerCallback):
        def on_step_end(self, *a, **k):
            ends.append(time.perf_counter())

    trainer = WorkbenchTrainer(model=model, args=args, processing_class=tok, peft_config=lora,
                               train_dataset=Dataset.from_dict({"input_ids": [f.input_ids for f in feats],
                                                                "labels": [f.labels for f in feats]}),
                               train_features=feats, pad_id=tok.pad_token_id, suffix_chunk=cfg.suffix_chunk,
                               callbacks=[Clock()])
    trainer.train()
    return {"setting": setting, "precision": precision, "prefix_tokens": len(feats[0].prefix_ids),
            "suffix_tokens": round(statistics.mean(len(f.input_ids) for f in feats)),
            "s_per_step": round(statistics.median(b - a for a, b in zip(ends, ends[1:])), 2), "steps": len(ends)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--settings", nargs="*", default=DEFAULT_SETTINGS)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            result = one_setting(args.one, args.steps, Path(tmp))
        result["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result), flush=True)
        return
    rows = []
    for setting in args.settings:
        res = subprocess.run([sys.executable, __file__, "--one", setting, "--steps", str(args.steps)],
                             capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
        if res.returncode or not lines:
            raise SystemExit(f"{setting} failed:\n{res.stderr[-3000:]}")
        rows.append(json.loads(lines[-1]))
        print(lines[-1], flush=True)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
