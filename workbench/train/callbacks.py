"""Trainer callbacks: metrics lines, graceful stop, and status."""

from __future__ import annotations

import json
import os
import time

from transformers import TrainerCallback

from workbench.train.runs import Run


def memory_mb() -> dict:
    """Peak RSS of this process, and peak GPU memory where there is a GPU."""
    import resource

    import torch

    out = {"rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if torch.cuda.is_available():
        out["gpu_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return out


class MetricsCallback(TrainerCallback):
    """One JSON line per log or eval event in metrics.jsonl, flushed at once so the app sees it."""

    def __init__(self, run: Run, trainer_ref):
        self.run = run
        self.trainer_ref = trainer_ref  # a callable returning the trainer (created after the callbacks)
        self.start = time.monotonic()
        self.start_tokens = 0
        self.start_step = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.monotonic()
        self.start_step = state.global_step
        self.start_tokens = self.trainer_ref().tokens_seen

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or state.global_step == 0 and "loss" not in logs and "eval_loss" not in logs:
            return
        trainer = self.trainer_ref()
        elapsed = time.monotonic() - self.start
        done = state.global_step - self.start_step
        remaining = max(0, state.max_steps - state.global_step)
        entry = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), "time": time.time()}
        for key in ("loss", "eval_loss", "learning_rate", "grad_norm"):
            if key in logs:
                entry[key] = logs[key]
        for key, value in logs.items():
            if key.startswith("eval_") and key not in entry and isinstance(value, (int, float)):
                entry[key] = value
        tokens = trainer.tokens_seen - self.start_tokens
        entry.update({"tokens_per_s": round(tokens / elapsed, 1) if elapsed > 0 else 0.0, "tokens_seen": trainer.tokens_seen,
                      "elapsed_s": round(elapsed, 1), "max_steps": state.max_steps,
                      "eta_s": round(elapsed / done * remaining, 1) if done else None, **memory_mb()})
        with open(self.run.path("metrics.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())


class StopCallback(TrainerCallback):
    """Stops at the end of the step when asked (SIGTERM or a STOP file), saving a checkpoint first.

    A stop skips the evaluation that would have followed (val loss and generated tool calls
    take minutes on CPU), and `is_requested` lets an evaluation already running cut itself short.
    """

    def __init__(self, run: Run):
        self.run = run
        self.requested = False

    def request(self, *_):
        self.requested = True

    def is_requested(self) -> bool:
        if not self.requested and self.run.path("STOP").exists():
            self.requested = True
        return self.requested

    def on_step_end(self, args, state, control, **kwargs):
        if self.is_requested():
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.is_requested():
            control.should_evaluate = False  # the epoch's evaluation would delay the stop by minutes
        return control


class BudgetCallback(TrainerCallback):
    """Ends training once `minutes` of it have passed in this launch: a CPU box given an hour gets a
    model at the hour, whatever the pace of its steps (they vary by a third with the batch and the load)."""

    def __init__(self, minutes: float):
        self.seconds = minutes * 60
        self.start = time.monotonic()
        self.reached_at: int | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds and time.monotonic() - self.start >= self.seconds and not control.should_training_stop:
            self.reached_at = state.global_step
            print(f"[workbench] time budget of {self.seconds / 60:g} minutes reached at step {state.global_step} "
                  f"of {state.max_steps}", flush=True)
            control.should_training_stop = True
            control.should_evaluate = False
        return control


class StatusCallback(TrainerCallback):
    def __init__(self, run: Run, describe_checkpoint=lambda path: None):
        self.run = run
        self.describe_checkpoint = describe_checkpoint  # writes the prompt's description into a checkpoint

    def on_train_begin(self, args, state, control, **kwargs):
        self.run.write_status("running", pid=os.getpid(), host=os.uname().nodename, max_steps=state.max_steps,
                              phase=f"training: the first of {state.max_steps} steps")

    def on_save(self, args, state, control, **kwargs):
        path = self.run.dir / f"checkpoint-{state.global_step}"
        if path.is_dir():
            self.describe_checkpoint(path)
        self.run.write_status(self.run.read_status().get("state", "running"), last_checkpoint_step=state.global_step)


def generation_budget(gold: list[tuple[dict, list]], tokenizer, margin: int = 32) -> int:
    """New tokens for the sample's generations: its longest gold turn, and a margin.

    A fixed 64 cut a create_task call with four arguments, or two parallel calls, short of its
    closing tag, and the pane counted the model's right call as invalid JSON."""
    from workbench.evaluate.model_eval import turn_budget

    return max((turn_budget(m, tokenizer, margin) for m, _ in gold), default=margin)


class ToolCallEvalCallback(TrainerCallback):
    """At each evaluation, generate for a small val sample and record tool selection and JSON validity.

    Loss falls long before the calls are right; these two numbers say whether they are.
    """

    def __init__(self, run: Run, trainer_ref, prompts: list[str], gold: list[tuple[dict, list]], tokenizer,
                 autocast_dtype=None, stop_requested=lambda: False):
        self.run, self.trainer_ref, self.stop_requested = run, trainer_ref, stop_requested
        self.prompts, self.gold, self.tokenizer = prompts, gold, tokenizer
        self.autocast_dtype, self.max_new_tokens = autocast_dtype, generation_budget(gold, tokenizer)

    def on_evaluate(self, args, state, control, **kwargs):
        if not self.prompts or self.stop_requested():
            return
        import contextlib

        import torch

        from workbench.evaluate.report import score_pairs
        from workbench.inference import generate_greedy
        from workbench.models import stop_token_ids

        model = self.trainer_ref().model
        was_training = model.training
        model.eval()
        ctx = (torch.autocast(model.device.type, dtype=self.autocast_dtype) if self.autocast_dtype
               else contextlib.nullcontext())
        with ctx:
            gens = generate_greedy(model, self.tokenizer, self.prompts, self.max_new_tokens,
                                   stop_token_ids(self.tokenizer), should_stop=self.stop_requested)
        if was_training:
            model.train()
        if gens is None:
            return  # cut by a stop request: a partial score would mislead
        m = score_pairs(self.gold, [{"raw": g.text} for g in gens])["metrics"]
        entry = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), "time": time.time(),
                 "eval_tool_selection": m["tool_selection"], "eval_json_validity": m["json_validity"],
                 "eval_abstention": m["abstention"], "eval_sample": len(self.prompts)}
        with open(self.run.path("metrics.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())
