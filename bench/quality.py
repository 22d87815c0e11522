"""Train with a preset, then score base and tuned with the real evaluator (workbench.evaluate).

Two uses, each one command:

- issue 4, the quick CPU preset on the demo data (wall time and held-out tool selection):
      .venv/bin/python bench/quality.py
- issue 6, an adapter trained on generated examples only, scored on the hand-written seed:
      .venv/bin/python bench/quality.py --generated 560 --generated-only --data seed --set epochs=2

A run longer than a session: `--home DIR --detach` prepares the project under DIR (kept) and
starts the training in the background, where it survives the shell; `--score DIR` later scores
its latest run (`workbench runs DIR/demo` shows progress; `workbench train` resume continues a killed one):
      .venv/bin/python bench/quality.py --home /work/quality --detach --generated 800 --generated-only \
          --data seed --set epochs=8 --constrained --no-base
      .venv/bin/python bench/quality.py --score /work/quality --data seed --constrained --no-base

A project's own toolset instead of the demo (issue 16): `--tools` is what `workbench init --tools`
takes (a module of typed functions, which become the stubs too, or a template), `--examples` the
user's hand-written examples (accepted; generation learns from them), `--data` the separate
hand-written test cases:
      .venv/bin/python bench/quality.py --home /tmp/qshop --detach --tools tests/toolsets/shop/stubs.py \
          --examples tests/toolsets/shop/examples.jsonl --today 2026-03-02 --generated 500 --set max_steps=145
      .venv/bin/python bench/quality.py --score /tmp/qshop --data tests/toolsets/shop/cases.jsonl --constrained --no-base

The Task API template with its phrasebook against the generic mechanism alone (`--no-phrasebook`),
both from the template's own examples, scored on the seed:
      .venv/bin/python bench/quality.py --home /tmp/qtask-pb --detach --tools task_api --today 2026-03-02 \
          --generated 500 --set max_steps=70
      .venv/bin/python bench/quality.py --home /tmp/qtask-gen --detach --tools task_api --today 2026-03-02 \
          --generated 500 --set max_steps=70 --no-phrasebook

`--generated N` adds N offline-generated, verified examples (accepted, as a curator would)
to a fresh copy of the demo project. `--data` is `val` (the project's held-out split),
`seed` (sample_tools/task_api/seed.jsonl) or a file of cases. Metrics are the evaluator's
(docs/metrics.md), plus abstention on the clarify and no_tool cases alone.

    .venv/bin/python bench/quality.py [--tools SRC [--no-phrasebook]] [--examples FILE] [--today DATE]
                                      [--generated N [--generated-only]] [--data val|seed|FILE]
                                      [--set KEY=VALUE ...] [--constrained] [--no-base]
                                      [--home DIR [--detach] | --score DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEYS = ("tool_selection", "args_exact", "args_functional", "abstention", "json_validity", "accuracy")


def summary(result: dict) -> dict:
    report = result["report"]
    out = {k: report["metrics"].get(k) for k in KEYS}
    cats = report["per_category"]
    asked = [cats[c] for c in ("clarify", "no_tool") if c in cats]
    n = sum(c["cases"] for c in asked)
    out["abstention_clarify_no_tool"] = round(sum(c["abstention"] * c["cases"] for c in asked) / n, 4) if n else None
    out["per_category"] = cats
    out["cases"] = result["cases"]
    out["eval_seconds"] = result.get("seconds")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", type=int, default=0)
    ap.add_argument("--generated-only", action="store_true")
    ap.add_argument("--seed", type=int, default=11, help="generation seed")
    ap.add_argument("--data", default="val", help="val, seed or a file of test cases")
    ap.add_argument("--tools", help="a project of these tools instead of the demo (what `workbench init --tools` takes)")
    ap.add_argument("--examples", type=Path, help="the user's own examples, accepted before generating")
    ap.add_argument("--today", help="the project's today (the day its examples were written for)")
    ap.add_argument("--no-phrasebook", action="store_true",
                    help="drop the template's phrases.py: generate through the generic mechanism alone")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--constrained", action="store_true")
    ap.add_argument("--no-base", action="store_true", help="skip the base model's evaluation")
    ap.add_argument("--home", help="keep the project under this directory (default: a fresh temporary one)")
    ap.add_argument("--detach", action="store_true", help="start the training in the background and return")
    ap.add_argument("--score", metavar="HOME", help="only score the latest run of an earlier --home")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = args.score or args.home or tempfile.mkdtemp(prefix="wb-quality-")
    Path(home).mkdir(parents=True, exist_ok=True)
    os.environ["WORKBENCH_HOME"] = home
    from workbench.train.runs import list_runs

    project = open_project(Path(home), args)
    if args.score:
        run = list_runs(project.runs_dir)[-1]
        if run.state != "finished":
            sys.exit(f"run {run.id} is {run.state} (see {run.dir / 'log.txt'}); score it once it has finished")
        out = {"run": run.id, "state": "finished"}
    else:
        n_train = prepare(project, args)
        cmd = [sys.executable, "-m", "workbench.cli", "train", str(project.root), "--preset", "cpu-quick"]
        for s in args.set:
            cmd += ["--set", s]
        cmd += ["--detach"] if args.detach else []
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        run = list_runs(project.runs_dir)[-1]
        if args.detach:
            print(json.dumps({"home": home, "run": run.id, "dir": str(run.dir), "accepted_examples": n_train}))
            return
        out = {"run": run.id, "state": run.state, "accepted_examples": n_train,
               "generated_only": args.generated_only, "train_wall_s": round(time.perf_counter() - start, 1)}
    print(json.dumps({**out, **score(project, run, args)}, indent=2))


def open_project(home: Path, args):
    """HOME/project when the bench made one of the user's tools (--tools), else the demo under HOME."""
    from workbench.cli import main as cli
    from workbench.project import Project, ensure_demo_project

    root = home / "project"
    if args.tools and not args.score and cli(["init", str(root), "--tools", args.tools]) != 0:
        sys.exit(f"could not make a project of {args.tools}")
    if not root.exists():
        return ensure_demo_project()
    project = Project.open(root)
    if args.no_phrasebook and not args.score:
        (root / "phrases.py").unlink(missing_ok=True)
    if args.today:
        project.settings.today = args.today
        project.save_settings()
    if args.examples and not args.score:
        from workbench.examples import ExampleFile

        ef = ExampleFile.load(args.examples)
        for ex in ef.examples:
            ex.meta["status"] = "accepted"
        ef.path = project.examples_path
        ef.save()
    return project


def prepare(project, args) -> int:
    """Add the generated examples (accepted, as a curator would); the number of accepted examples."""
    from workbench.examples import ExampleFile
    from workbench.generate import GenerateSpec, generate

    if args.generated:
        ef = project.load_examples()
        if args.generated_only:
            # The demo's accepted examples are the hand-written seed the model is scored on: gone
            # before generating, so no value or phrasing of theirs can reach the training data.
            ef.entries = []
            ef.save()
        result = generate(project, GenerateSpec(n=args.generated, seed=args.seed))
        ef = project.load_examples()
        if args.generated_only:
            ef.entries = []
        for ex in result.accepted:
            ex.meta["status"] = "accepted"
            ef.append(ex)
        ef.save()
    return len([e for e in ExampleFile.load(project.examples_path).examples if e.status == "accepted"])


def score(project, run, args) -> dict:
    from workbench.evaluate.model_eval import evaluate

    metrics = run.metrics()
    data = {"val": "val", "seed": str(ROOT / "sample_tools" / "task_api" / "seed.jsonl")}.get(
        args.data, str(Path(args.data).resolve()))
    out = {"steps": max((m["step"] for m in metrics), default=0),
           "tokens_per_s": round(sum(m["tokens_per_s"] for m in metrics if "tokens_per_s" in m)
                                 / max(1, sum(1 for m in metrics if "tokens_per_s" in m)), 1),
           "rss_peak_mb": max((m.get("rss_peak_mb", 0) for m in metrics), default=0), "data": args.data,
           "constrained": args.constrained}
    for name, ref in (() if args.no_base else (("base", "base"),)) + (("tuned", run.id),):
        t = time.perf_counter()
        result = evaluate(project, ref, data, constrained=args.constrained)
        result["seconds"] = round(time.perf_counter() - t, 1)
        out[name] = summary(result)
        out[f"{name}_eval_dir"] = result["dir"]
    return out


if __name__ == "__main__":
    main()
