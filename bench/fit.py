"""The fit check: can a training setting learn its own training examples? (issue 15)

Trains on N offline-generated, verified examples (accepted, as a curator would) and scores,
after fixed budgets of training wall time, tool selection and exact arguments on those same
examples (greedy, constrained decoding, every assistant turn). A setting that cannot get
near 100% on examples it has seen has a bug or a wrong setting, and no quality run should
start from it. Every setting runs in the same call, one after the other, so their figures
share the machine's state.

Each setting trains as a real detached run (`workbench.train.launcher`), with a constant
learning rate after warm-up so that every budget sees the same schedule; at each budget the
run is stopped (it saves a checkpoint), the checkpoint is evaluated, and the run resumes.
Budgets count training time only (the trainer's own clock), not model loading or evaluation.

    .venv/bin/python bench/fit.py [--n 64] [--toolset task_api] [--budgets 4,8] [--only NAME ...]
                                  [--home DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# name: TrainConfig overrides on top of the cpu-quick preset
SETTINGS = {
    "lora-r16-lr5e-4": {"finetune": "lora", "lora_r": 16, "lora_alpha": 32, "learning_rate": 5e-4},
    "lora-r64-lr1e-3": {"finetune": "lora", "lora_r": 64, "lora_alpha": 128, "learning_rate": 1e-3},
    "full-lr5e-5": {"finetune": "full", "learning_rate": 5e-5},
    "full-lr2e-4": {"finetune": "full", "learning_rate": 2e-4},
    # The same with the tools written as JSON Schemas, as before the compact prompt (issue 15).
    "full-lr2e-4-json": {"finetune": "full", "learning_rate": 2e-4, "tool_format": "json"},
}


def make_project(home: Path, name: str, toolset: str, n: int, seed: int):
    import sample_tools
    from workbench.generate import GenerateSpec, generate
    from workbench.project import Settings, init_project

    project = init_project(home / name, settings=Settings(name=name, today="2026-03-02", val_fraction=0.0),
                           template=sample_tools.get_toolset(toolset).folder)
    result = generate(project, GenerateSpec(n=n, seed=seed))
    ef = project.load_examples()
    for ex in result.accepted[:n]:
        ex.meta["status"] = "accepted"
        ef.append(ex)
    ef.save()
    return project


def wait_state(run, states, timeout=3600):
    deadline = time.monotonic() + timeout
    while run.status()["state"] not in states:
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {run.id}: still {run.status()['state']} after {timeout} s")
        time.sleep(2)
    return run.status()["state"]


def fit_one(project, name: str, overrides: dict, budgets: list[float], data: Path, n: int) -> dict:
    import math

    from workbench.evaluate.model_eval import evaluate
    from workbench.train.config import make_config
    from workbench.train.launcher import launch, prepare_run, resume, stop

    config = make_config("cpu-quick", {**overrides, "epochs": 1000, "lr_scheduler": "constant_with_warmup",
                                       "eval_sample": 0, "save_total_limit": 1})
    # Four warm-up steps (the trainer reads a warm-up below 1 as a share of all 1,000 epochs' steps).
    config = config.model_copy(update={"warmup_ratio": 4 / (1000 * math.ceil(n / config.batch_size))})
    run = prepare_run(project, config)
    launch(run)
    done_s, done_step = 0.0, 0   # training time of the finished segments; the step they reached
    out = {"setting": name, **overrides, "run": run.id, "points": []}
    for budget in budgets:
        while True:
            if run.status()["state"] not in ("queued", "running"):
                raise RuntimeError(f"run {run.id} ended: {run.status()}")
            # The trainer's clock restarts at each resume: count this segment's own entries only.
            now = [m["elapsed_s"] for m in run.metrics() if "loss" in m and m["step"] > done_step]
            if done_s + (now[-1] if now else 0.0) >= budget * 60:
                break
            time.sleep(2)
        stop(run)
        wait_state(run, ("stopped", "finished", "failed"))
        entries = [m for m in run.metrics() if "loss" in m]
        done_s += [m["elapsed_s"] for m in entries if m["step"] > done_step][-1]
        done_step = entries[-1]["step"]
        t = time.perf_counter()
        result = evaluate(project, str(run.last_checkpoint()), str(data), constrained=True)
        m = result["report"]["metrics"]
        point = {"budget_min": budget, "trained_s": round(done_s), "step": done_step,
                 "epochs": round(done_step * config.batch_size / n, 1),
                 "train_loss": round(sum(e["loss"] for e in entries[-4:]) / len(entries[-4:]), 3),
                 "tool_selection": m["tool_selection"], "args_exact": m["args_exact"],
                 "abstention": m.get("abstention"), "cases": result["cases"], "eval_s": round(time.perf_counter() - t),
                 "rss_peak_mb": max(e.get("rss_peak_mb", 0) for e in entries)}
        out["points"].append(point)
        print(json.dumps(point), flush=True)
        if budget != budgets[-1]:
            resume(run)
            wait_state(run, ("running",))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64, help="training examples (also the scored ones)")
    ap.add_argument("--toolset", default="task_api")
    ap.add_argument("--seed", type=int, default=7, help="generation seed")
    ap.add_argument("--budgets", default="4,8", help="minutes of training at which to score, comma-separated")
    ap.add_argument("--only", nargs="*", choices=list(SETTINGS), help="run only these settings")
    ap.add_argument("--home", help="keep the projects here (default: a temporary directory)")
    ap.add_argument("--json", help="write the table here as JSON")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Path(args.home or tempfile.mkdtemp(prefix="wb-fit-"))
    home.mkdir(parents=True, exist_ok=True)
    budgets = [float(b) for b in args.budgets.split(",")]
    rows = []
    for name in args.only or SETTINGS:
        project = make_project(home, name, args.toolset, args.n, args.seed)
        data = project.root / "fit.jsonl"   # the accepted examples themselves: what the run trains on
        data.write_bytes(project.examples_path.read_bytes())
        print(f"== {name}: {SETTINGS[name]}", flush=True)
        rows.append(fit_one(project, name, SETTINGS[name], budgets, data, args.n))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
