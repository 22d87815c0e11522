"""The quick CPU preset on the demo Task API data: wall time, and tool calls on the held-out split.

Trains with `workbench train` (cpu-quick, the demo project's split), then generates greedily
for every held-out example's first assistant turn, base model and tuned adapter, and reports
tool selection (the right tool, or rightly no tool), exact arguments and JSON validity.
Goal (issue 4): 95% or more correct tool selection within 10 minutes on 2 cores.

    .venv/bin/python bench/quality.py [--project DIR] [--set KEY=VALUE ...]
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


def first_turn_cases(examples, system_prompt):
    """(prompt messages, expected calls or None) for each example's first assistant turn."""
    from workbench.chat_format import render

    cases = []
    for ex in examples:
        msgs = ex.messages
        i = next(i for i, m in enumerate(msgs) if m.get("role") == "assistant")
        expected = [(c["function"]["name"], json.loads(c["function"]["arguments"]))
                    for c in msgs[i].get("tool_calls") or []] or None
        prompt = render(msgs[:i], ex.tools, system_prompt=system_prompt, add_generation_prompt=True).text
        cases.append((ex.id, prompt, expected))
    return cases


def score(cases, outputs):
    from workbench.chat_format import parse

    right_tool = exact = valid = 0
    rows = []
    for (ex_id, _, expected), out in zip(cases, outputs):
        parsed = parse(out.text)
        got = [(c.name, c.arguments) for c in parsed.tool_calls]
        ok_json = not parsed.errors
        if expected is None:
            tool_ok = not got and not parsed.errors
            args_ok = tool_ok
        else:
            tool_ok = sorted(n for n, _ in got) == sorted(n for n, _ in expected)
            args_ok = sorted(json.dumps(c, sort_keys=True) for c in got) == sorted(
                json.dumps(c, sort_keys=True) for c in expected)
        right_tool += tool_ok
        exact += args_ok
        valid += ok_json
        rows.append({"id": ex_id, "tool_ok": tool_ok, "args_ok": args_ok, "output": out.text[:200]})
    n = len(cases)
    return {"n": n, "tool_selection": round(right_tool / n, 3), "exact_args": round(exact / n, 3),
            "valid_json": round(valid / n, 3)}, rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--project", type=Path)
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        if args.project is None:
            os.environ["WORKBENCH_HOME"] = tmp
        from workbench.project import Project, ensure_demo_project
        from workbench.train.runs import list_runs

        project = Project.open(args.project) if args.project else ensure_demo_project()
        cmd = [sys.executable, "-m", "workbench.cli", "train", str(project.root), "--preset", "cpu-quick"]
        for s in args.set:
            cmd += ["--set", s]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        train_s = time.perf_counter() - start
        run = list_runs(project.runs_dir)[-1]
        status = run.status()
        from workbench.examples import ExampleFile
        from workbench.inference import Engine

        val = ExampleFile.load(run.path("val.jsonl")).examples
        system_prompt = json.loads(run.path("dataset.json").read_text())["system_prompt"]
        cases = first_turn_cases(val, system_prompt)
        results = {}
        for name, adapter in (("base", None), ("tuned", run.adapter_dir)):
            engine = Engine("bundled:smollm2-135m", adapter)
            outs = []
            for b in range(0, len(cases), 8):
                outs += engine.generate([c[1] for c in cases[b:b + 8]], max_new_tokens=96)
            results[name], rows = score(cases, outs)
            if name == "tuned":
                results["tuned_failures"] = [r for r in rows if not r["args_ok"]]
        metrics = run.metrics()
        print(json.dumps({"run": run.id, "state": status.get("state"), "train_wall_s": round(train_s, 1),
                          "steps": metrics[-1]["step"] if metrics else 0,
                          "rss_peak_mb": max((m.get("rss_peak_mb", 0) for m in metrics), default=0),
                          "val_examples": len(cases), **results}, indent=2))


if __name__ == "__main__":
    main()
