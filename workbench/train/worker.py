"""The training process: `python -m workbench.train.worker RUN_DIR [--resume]`.

Started by `workbench.train.launcher` in its own session, with its output in log.txt.
Everything it needs is in the run directory (config.json, dataset.json, train.jsonl,
val.jsonl); everything it makes goes there too.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path

from workbench.train.runs import Run, now, read_metrics


def pick_precision(config, device: str) -> str:
    import torch

    if config.precision != "auto":
        return config.precision
    if device == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    avx512_bf16 = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return "bf16" if (amx or avx512_bf16) else "fp32"


def pick_device(config) -> str:
    import torch

    if config.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if config.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda, but no CUDA device is visible")
    return config.device


def truncate_metrics(run: Run, step: int) -> None:
    """On resume, drop metric lines past the checkpoint: those steps run again."""
    from workbench.fileio import atomic_write_text

    entries, _ = read_metrics(run.path("metrics.jsonl"))
    kept = [e for e in entries if e.get("step", 0) <= step]
    atomic_write_text(run.path("metrics.jsonl"), "".join(json.dumps(e) + "\n" for e in kept))


def save_prompt(out: Path, tokenizer, meta: dict) -> None:
    """The chat template (in the run's tool format) and workbench.json, beside weights in `out`:
    evaluation, chat, serving and export then render the prompt the model was trained on."""
    from workbench.chat_format import chat_template

    tokenizer.chat_template = chat_template(meta["tool_format"])
    tokenizer.save_pretrained(str(out))
    (out / "workbench.json").write_text(json.dumps(meta, indent=2))


def train(run: Run, resume: bool) -> str:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig

    from workbench.examples import ExampleFile
    from workbench.models import load_model
    from workbench.train.callbacks import BudgetCallback, MetricsCallback, StatusCallback, StopCallback, ToolCallEvalCallback
    from workbench.train.config import run_config
    from workbench.train.data import featurize_all
    from workbench.train.trainer import WorkbenchTrainer

    config = run_config(run.config())
    dataset = json.loads(run.path("dataset.json").read_text())
    device = pick_device(config)
    precision = pick_precision(config, device)
    print(f"[workbench] run {run.id}: {config.base_model} on {device} in {precision}, preset {config.preset}",
          flush=True)
    torch.manual_seed(config.seed)
    run.write_status("running", phase="loading the model")
    full = config.finetune == "full"
    # LoRA: the frozen base in bf16 halves its memory; the adapter weights stay fp32 (PEFT's default).
    # Full: the weights are trained, so they stay fp32 (the master copy; bf16 runs under autocast):
    # updates of lr x gradient are below bf16's resolution and would round away.
    model, tokenizer = load_model(config.base_model,
                                  dtype=torch.bfloat16 if precision == "bf16" and not full else None)
    model.train()
    tools = dataset.get("tools")
    system_prompt = dataset["system_prompt"]
    run.write_status("running", phase="tokenising the examples")
    train_ex = ExampleFile.load(run.path("train.jsonl")).examples
    val_ex = ExampleFile.load(run.path("val.jsonl")).examples
    train_f, dropped = featurize_all(train_ex, tokenizer, system_prompt, config.max_length, tools,
                                     config.decision_weight, config.tool_format)
    val_f, dropped_val = featurize_all(val_ex, tokenizer, system_prompt, config.max_length, tools,
                                       tool_format=config.tool_format)
    for note in dropped + dropped_val:
        print(f"[workbench] dropped {note}", flush=True)
    if not train_f:
        raise RuntimeError("no training example fits max_length")
    tokens = sum(f.total_tokens for f in train_f)
    trained = sum(sum(1 for x in f.labels if x != -100) for f in train_f)
    print(f"[workbench] {len(train_f)} train / {len(val_f)} val examples, {tokens} tokens per epoch, "
          f"{trained} of them trained", flush=True)

    eval_strategy = "no" if not val_f else ("steps" if config.eval_every else "epoch")
    args = SFTConfig(
        output_dir=str(run.dir), num_train_epochs=config.epochs, max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size, per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum, learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio, lr_scheduler_type=config.lr_scheduler, weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm, logging_steps=config.logging_steps, seed=config.seed,
        eval_strategy=eval_strategy, eval_steps=config.eval_every or None,
        save_strategy="steps" if config.save_every else "epoch", save_steps=config.save_every or 500,
        save_total_limit=config.save_total_limit, bf16=precision == "bf16", fp16=precision == "fp16",
        use_cpu=device == "cpu", report_to="none", disable_tqdm=True, remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True}, max_length=None, dataloader_num_workers=0,
        gradient_checkpointing=config.gradient_checkpointing,
    )
    lora = None if full else LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha,
                                        lora_dropout=config.lora_dropout, target_modules=config.target_modules,
                                        task_type="CAUSAL_LM")
    # A small val sample scored on real generations at every evaluation (tool selection, JSON validity).
    from workbench.evaluate.model_eval import expand_turns, prompts_and_gold

    sample = [c for ex in val_ex for c in expand_turns(ex)][:config.eval_sample]
    prompts, gold = prompts_and_gold(sample, tools or [], system_prompt, config.tool_format)
    # What a later use needs to prompt the model as it was trained: saved with the result and every checkpoint.
    meta = {"base_model": config.base_model, "finetune": config.finetune, "system_prompt": system_prompt,
            "tool_format": config.tool_format, "tools": tools, "run": run.id,
            # With the template, a served model can be given another day (`serve --today`).
            "system_prompt_template": dataset.get("system_prompt_template"), "today": dataset.get("today")}
    stop = StopCallback(run)
    signal.signal(signal.SIGTERM, stop.request)
    holder: dict = {}
    trainer = WorkbenchTrainer(
        model=model, args=args, processing_class=tokenizer, peft_config=lora,
        train_dataset=Dataset.from_dict({"input_ids": [f.input_ids for f in train_f],
                                         "labels": [f.labels for f in train_f]}),
        eval_dataset=Dataset.from_dict({"input_ids": [f.input_ids for f in val_f],
                                        "labels": [f.labels for f in val_f]}) if val_f else None,
        callbacks=[MetricsCallback(run, lambda: holder["trainer"]), stop, BudgetCallback(config.max_minutes),
                   StatusCallback(run, lambda path: save_prompt(path, tokenizer, meta)),
                   ToolCallEvalCallback(run, lambda: holder["trainer"], prompts, gold, tokenizer,
                                        torch.bfloat16 if precision == "bf16" else None, stop.is_requested)],
        train_features=train_f, eval_features=val_f, pad_id=tokenizer.pad_token_id,
        shared_prefix=config.shared_prefix and not config.gradient_checkpointing, suffix_chunk=config.suffix_chunk,
        stop_requested=stop.is_requested,
    )
    holder["trainer"] = trainer
    checkpoint = run.last_checkpoint() if resume else None
    if checkpoint is not None:
        step = json.loads((checkpoint / "trainer_state.json").read_text())["global_step"]
        truncate_metrics(run, step)
        print(f"[workbench] resuming from {checkpoint.name} (step {step})", flush=True)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    if stop.requested:
        print("[workbench] stopped on request; a checkpoint was saved", flush=True)
        return "stopped"
    out = run.model_dir if full else run.adapter_dir
    # A whole model is saved in fp32, as trained (see above); tied weights are saved once and stay tied.
    trainer.model.save_pretrained(str(out))
    save_prompt(out, tokenizer, meta)
    print(f"[workbench] finished; {'model' if full else 'adapter'} saved to {out}", flush=True)
    return "finished"


def main(argv: list[str] | None = None) -> int:
    import warnings

    # Libraries' deprecation notices (FutureWarning) are for their callers' authors, not for
    # someone reading this run's log in the Train pane.
    warnings.filterwarnings("ignore", category=FutureWarning)
    argv = sys.argv[1:] if argv is None else argv
    run = Run(Path(argv[0]))
    resume = "--resume" in argv
    run.write_status("running", pid=os.getpid(), host=os.uname().nodename, started=now(), resumed=resume)
    try:
        state = train(run, resume)
    except BaseException as exc:  # noqa: BLE001 - the reason goes to status.json and log.txt
        traceback.print_exc()
        run.write_status("failed", error=f"{type(exc).__name__}: {exc}", finished=now())
        return 1
    run.write_status(state, finished=now())
    run.path("STOP").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
