"""Evaluate a model: render each case, generate greedily in batches, score, and save `evals/<id>/`.

Every assistant turn of an evaluation example is a case: the conversation up to that turn
is the prompt, the turn itself is the gold answer. So multi-step examples test the call
after a tool result as well as the first one.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import statistics
from pathlib import Path

from workbench.chat_format import render
from workbench.evaluate.report import score_pairs
from workbench.evaluate.scorer import bootstrap_diff
from workbench.examples import Example, ExampleFile, serialize_entries
from workbench.fileio import atomic_write_bytes, atomic_write_text
from workbench.project import Project


class EvalError(Exception):
    """An evaluation cannot run; the message says why."""


def expand_turns(ex: Example) -> list[Example]:
    """One gold example per assistant turn: the conversation up to it, ending with it."""
    out = []
    for i, m in enumerate(ex.messages):
        if isinstance(m, dict) and m.get("role") == "assistant":
            case = Example({"messages": ex.messages[: i + 1], "tools": ex.tools,
                            "meta": {"id": f"{ex.id}#{i}", "status": "accepted", "category": ex.category,
                                     "source_example": ex.id}})
            out.append(case)
    return out


def prompts_and_gold(cases: list[Example], tools: list[dict], system_prompt: str) -> tuple[list[str], list]:
    """The generation prompt of each case, and its (gold assistant turn, tools) for scoring."""
    prompts, gold = [], []
    for c in cases:
        case_tools = c.tools if c.tools is not None else tools
        prompts.append(render(c.messages[:-1], case_tools, system_prompt=system_prompt,
                              add_generation_prompt=True).text)
        gold.append((c.messages[-1], case_tools))
    return prompts, gold


def eval_examples(project: Project, data: str) -> tuple[list[Example], str]:
    """The examples to evaluate on and a name for them."""
    if data == "val":
        from workbench.dataset import split_examples

        s = project.settings
        split = split_examples(project.load_examples().examples, s.split_seed, s.val_fraction)
        if not split.val:
            raise EvalError("the project's val split is empty (accept some examples first)")
        return split.val, "val"
    path = Path(data)
    if not path.exists():
        raise EvalError(f"{path}: file not found")
    ef = ExampleFile.load(path)
    if ef.line_problems():
        raise EvalError(str(ef.line_problems()[0]))
    return ef.examples, path.name


def evaluate(project: Project, model_ref: str, data: str = "val", batch_size: int = 8, limit: int = 0,
             progress=None, max_new_tokens: int = 256, constrained: bool = False, weights: str = "fp32") -> dict:
    """Score a model on `data`. `constrained` decodes one case at a time under the tool grammar
    (workbench.grammar, with prefix reuse) instead of in free batches: JSON validity is then 100%.
    `weights="int8"` (constrained only) decodes on int8 weights, as `workbench serve --weights int8`."""
    from workbench.inference import Engine, Generation, adapter_system_prompt, resolve_model_ref
    from workbench.models import ModelError

    if weights != "fp32" and not constrained:
        raise EvalError(f"--weights {weights} needs --constrained (batched generation runs the fp32 model)")
    examples, data_name = eval_examples(project, data)
    cases = [c for ex in examples for c in expand_turns(ex)]
    if limit:
        cases = cases[:limit]
    tools = project.load_tools()
    base, adapter = resolve_model_ref(model_ref, project.runs_dir, project.settings.base_model)
    system_prompt = adapter_system_prompt(adapter, project.system_prompt())
    from workbench.decode import on_torch_thread

    try:
        engine = on_torch_thread(Engine, base, adapter)
    except (ModelError, OSError, ValueError) as exc:
        raise EvalError(f"cannot load {model_ref!r}: {exc}") from None
    prompts, gold = prompts_and_gold(cases, tools, system_prompt)
    outputs, latencies = [], []
    new_tokens = seconds = 0
    if constrained:
        batch_size = 1
        from workbench.decode import Decoder
        from workbench.grammar import tool_grammar

        decoder = Decoder(engine.model, engine.tokenizer, engine.stop_ids, lean=weights)
    for b in range(0, len(prompts), batch_size):
        if constrained:
            case_tools = gold[b][1]
            text, st = decoder.generate(prompts[b], max_new_tokens, tool_grammar(case_tools) if case_tools else None)
            gens = [Generation(text, st.new_tokens, st.seconds)]
        else:
            gens = on_torch_thread(engine.generate, prompts[b:b + batch_size], max_new_tokens=max_new_tokens)
        outputs.extend(g.text for g in gens)
        latencies.extend(g.seconds for g in gens)  # each case waits for its whole batch
        new_tokens += sum(g.new_tokens for g in gens)
        seconds += gens[0].seconds if gens else 0
        if progress:
            progress(len(outputs), len(prompts))
    report = score_pairs(gold, [{"raw": o} for o in outputs])
    report["per_category"] = per_category(report["verdicts"], [c.category for c in cases])
    eval_id = _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    out_dir = project.evals_dir / eval_id
    out_dir.mkdir(parents=True)
    atomic_write_bytes(out_dir / "gold.jsonl", serialize_entries(cases))
    atomic_write_text(out_dir / "predictions.jsonl", "".join(json.dumps({"raw": o}) + "\n" for o in outputs))
    atomic_write_text(out_dir / "prompts.jsonl", "".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    qs = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    result = {
        "id": eval_id, "dir": str(out_dir), "model": model_ref, "base_model": base,
        "adapter": str(adapter) if adapter else None, "data": data_name, "cases": len(cases),
        "constrained": constrained, "weights": weights,
        "latency": {"p50_s": round(statistics.median(latencies), 3) if latencies else 0.0,
                    "p95_s": round(qs[18], 3) if qs else 0.0, "batch_size": batch_size,
                    "tokens_per_s": round(new_tokens / seconds, 1) if seconds else 0.0},
        "report": report,
    }
    atomic_write_text(out_dir / "report.json", json.dumps(result, indent=2))
    return result


def per_category(verdicts: list[dict], categories: list[str]) -> dict:
    """Tool selection, exact arguments and abstention for each example category."""
    from workbench.evaluate.scorer import _rate

    out = {}
    for cat in sorted(set(categories)):
        vs = [v for v, c in zip(verdicts, categories) if c == cat]
        calls = [v for v in vs if v["expected_tools"]]
        quiet = [v for v in vs if not v["expected_tools"]]
        out[cat or "-"] = {"cases": len(vs), "tool_selection": _rate([v["tool_selection"] for v in calls]),
                           "args_exact": _rate([v["exact"] for v in calls]),
                           "abstention": _rate([v["abstained"] for v in quiet])}
    return out


COMPARE_METRICS = ("accuracy", "tool_selection", "args_exact", "args_functional", "json_validity", "abstention")


def compare_reports(a: dict, b: dict) -> list[dict]:
    """Per metric: A, B, B - A with a paired bootstrap 95% interval over the shared cases."""
    va, vb = a["report"]["verdicts"], b["report"]["verdicts"]
    rows = []
    for metric in COMPARE_METRICS:
        key = {"accuracy": "correct", "tool_selection": "tool_selection", "args_exact": "exact",
               "args_functional": "functional", "json_validity": "json_valid", "abstention": "abstained"}[metric]
        pairs = []
        for x, y in zip(va, vb):
            if metric == "abstention" and x["expected_tools"]:
                continue
            if metric in ("tool_selection", "args_exact", "args_functional") and not x["expected_tools"]:
                continue
            xa, yb = x[key], y[key]
            if metric == "json_validity" and (xa is None or yb is None):
                xa, yb = xa if xa is not None else True, yb if yb is not None else True
            pairs.append((float(bool(xa)), float(bool(yb))))
        delta, lo, hi = bootstrap_diff([p[0] for p in pairs], [p[1] for p in pairs])
        rows.append({"metric": metric, "a": a["report"]["metrics"].get(metric), "b": b["report"]["metrics"].get(metric),
                     "delta": delta, "ci95": [lo, hi], "n": len(pairs)})
    return rows


def compare_evals(project: Project, a: str, b: str, data: str = "val", batch_size: int = 8, limit: int = 0,
                  constrained: bool = False, weights: str = "fp32") -> dict:
    from rich.console import Console
    from rich.table import Table

    ra = evaluate(project, a, data, batch_size, limit, constrained=constrained, weights=weights)
    rb = evaluate(project, b, data, batch_size, limit, constrained=constrained, weights=weights)
    rows = compare_reports(ra, rb)
    table = Table(title=f"{a} vs {b} on {ra['data']} ({ra['cases']} cases)", title_justify="left")
    for col in ("metric", a, b, "delta", "95% CI"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    for r in rows:
        fmt = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
        colour = "green" if r["ci95"][0] > 0 else ("red" if r["ci95"][1] < 0 else "")
        delta = f"[{colour}]{r['delta']:+.1%}[/]" if colour else f"{r['delta']:+.1%}"
        table.add_row(r["metric"], fmt(r["a"]), fmt(r["b"]), delta, f"[{r['ci95'][0]:+.1%}, {r['ci95'][1]:+.1%}]")
    Console().print(table)
    return {"a": ra, "b": rb, "comparison": rows}
