"""Evaluate a model: render each case, generate greedily on the serving path, score, and save `evals/<id>/`.

Every assistant turn of an evaluation example is a case: the conversation up to that turn
is the prompt, the turn itself is the gold answer. So multi-step examples test the call
after a tool result as well as the first one.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.chat_format import DEFAULT_TOOL_FORMAT, render
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


def prompts_and_gold(cases: list[Example], tools: list[dict], system_prompt: str,
                     tool_format: str = DEFAULT_TOOL_FORMAT) -> tuple[list[str], list]:
    """The generation prompt of each case, and its (gold assistant turn, tools) for scoring."""
    prompts, gold = [], []
    for c in cases:
        case_tools = c.tools if c.tools is not None else tools
        prompts.append(render(c.messages[:-1], case_tools, system_prompt=system_prompt,
                              add_generation_prompt=True, tool_format=tool_format).text)
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


class EvalCancelled(EvalError):
    """The user stopped the evaluation; nothing was saved."""


@dataclass
class LoadedModel:
    """A model ready to decode cases: its decoder, and the system prompt and tool format it was trained with."""
    ref: str
    base: str
    adapter: Path | None
    decoder: Any
    tokenizer: Any
    system_prompt: str
    tool_format: str


def load_model(project: Project, model_ref: str, weights: str = "fp32") -> LoadedModel:
    """`base`, a run id or a path, loaded on the serving path (`workbench.decode`)."""
    from workbench.decode import Decoder, on_torch_thread
    from workbench.inference import Engine, adapter_system_prompt, resolve_model_ref, trained_tool_format
    from workbench.models import ModelError

    base, adapter = resolve_model_ref(model_ref, project.runs_dir, project.settings.base_model)
    try:
        engine = on_torch_thread(Engine, base, adapter)
    except (ModelError, OSError, ValueError) as exc:
        raise EvalError(f"cannot load {model_ref!r}: {exc}") from None
    decoder = Decoder(engine.model, engine.tokenizer, engine.stop_ids, lean=weights)
    return LoadedModel(model_ref, base, adapter, decoder, engine.tokenizer,
                       adapter_system_prompt(adapter, project.system_prompt()), trained_tool_format(adapter))


def decode_all(model: LoadedModel, prompts: list[str], budgets: list[int], grammars: list, progress=None,
               cancel=None) -> tuple[list, float, bool]:
    """Greedy decodes of every prompt: ([(text, stats)], seconds, batched). On CPU (Llama-family models)
    several at a time over their shared system turn (`workbench.batch_decode`), else one at a time.
    `progress(done, total, eta_s)` after each; a set `cancel` raises `EvalCancelled`."""
    import threading
    import time

    from workbench import batch_decode

    cancel = cancel if cancel is not None else threading.Event()
    started = time.monotonic()
    finished = 0

    def case_done(*_) -> None:
        nonlocal finished
        finished += 1
        if progress:
            elapsed = time.monotonic() - started
            progress(finished, len(prompts), elapsed / finished * (len(prompts) - finished))

    decoder = model.decoder
    batched = batch_decode.supports(decoder)
    if batched:
        decoded = batch_decode.decode_batch(decoder, prompts, budgets, grammars, cancel=cancel, done=case_done)
    else:
        decoded = []
        for prompt, budget, grammar in zip(prompts, budgets, grammars):
            decoded.append(decoder.generate(prompt, budget, grammar, cancel))
            if cancel.is_set():
                break
            case_done()
    if cancel.is_set():
        raise EvalCancelled(f"evaluation of {model.ref} stopped after {finished} of {len(prompts)} cases; "
                            "nothing saved")
    return decoded, time.monotonic() - started, batched   # the decoding alone: scoring is not in tokens/s


BUDGET_MARGIN = 32  # new tokens past the expected turn: room for a slightly longer right answer


def turn_budget(turn: dict, tokenizer, margin: int = BUDGET_MARGIN) -> int:
    """New tokens a case may take: its expected turn as the model writes it, plus a margin.

    A model that rambles (the base model does on every case) is cut where the right answer
    would long have ended, instead of at a fixed limit: minutes saved per evaluation."""
    from workbench.chat_format import format_assistant

    text = format_assistant(turn.get("content"), turn.get("tool_calls"))
    return len(tokenizer(text, add_special_tokens=False)["input_ids"]) + margin


def evaluate(project: Project, model_ref: str, data: str = "val", limit: int = 0, progress=None,
             max_new_tokens: int = 256, constrained: bool = False, weights: str = "fp32", cancel=None) -> dict:
    """Score a model (base, a run, a path, or an endpoint: `workbench.evaluate.remote`) on `data`,
    greedily, each case within a budget from its expected turn (`turn_budget`, at most
    `max_new_tokens`). On CPU (Llama-family models) the cases are decoded several at a time over
    their shared system turn (`workbench.batch_decode`); elsewhere one at a time on the serving
    path (`workbench.decode`: the shared system turn is computed once, copied text is drafted).
    `constrained` decodes under the tool grammar (JSON validity is then 100%); `weights="int8"`
    decodes on int8 weights, as `workbench serve --weights int8`. `progress(done, total, eta_s)` is
    called after each case; setting `cancel` (a threading.Event) stops between tokens and raises
    `EvalCancelled`."""
    examples, data_name = eval_examples(project, data)
    cases = [c for ex in examples for c in expand_turns(ex)]
    if limit:
        cases = cases[:limit]
    if not cases:
        raise EvalError(f"no cases to evaluate in {data_name}")
    tools = project.load_tools()
    case_tools = [c.tools if c.tools is not None else tools for c in cases]
    run = decode_cases(project, model_ref, [c.messages[:-1] for c in cases], case_tools,
                       [c.messages[-1] for c in cases], constrained, weights, progress, cancel, max_new_tokens)
    gold = [(c.messages[-1], t) for c, t in zip(cases, case_tools)]
    # A cut call is labelled cut_off, not invalid JSON.
    predictions = [{"raw": o, "cut": st.finish_reason == "length"} for o, st in zip(run.outputs, run.stats)]
    report = score_pairs(gold, predictions)
    report["per_category"] = per_category(report["verdicts"], [c.category for c in cases])
    out_dir = new_eval_dir(project)
    atomic_write_bytes(out_dir / "gold.jsonl", serialize_entries(cases))
    atomic_write_text(out_dir / "predictions.jsonl", "".join(json.dumps(p) + "\n" for p in predictions))
    atomic_write_text(out_dir / "prompts.jsonl", "".join(json.dumps({"prompt": p}) + "\n" for p in run.prompts))
    result = {"id": out_dir.name, "dir": str(out_dir), "model": model_ref, **run.source, "data": data_name,
              "cases": len(cases), "constrained": constrained, "weights": weights,
              "latency": latency_summary(run.decoded, run.wall, run.batched), "report": report}
    atomic_write_text(out_dir / "report.json", json.dumps(result, indent=2))
    return result


@dataclass
class DecodedCases:
    decoded: list           # [(text, stats)] per case
    wall: float             # seconds of decoding
    batched: bool
    prompts: list           # what the model was given: rendered text, or the messages sent to an endpoint
    source: dict            # base_model and adapter, or the endpoint and its token usage

    @property
    def outputs(self) -> list[str]:
        return [text for text, _ in self.decoded]

    @property
    def stats(self) -> list:
        return [st for _, st in self.decoded]


def decode_cases(project: Project, model_ref: str, conversations: list[list[dict]], tools: list[list[dict]],
                 turns: list[dict | None], constrained: bool = False, weights: str = "fp32", progress=None,
                 cancel=None, max_new_tokens: int = 256, quiet_budget: int = 48) -> DecodedCases:
    """The next assistant turn of each conversation, greedily, from a local model (base, a run, a
    path) or an endpoint (`workbench.evaluate.remote`). Each may take as many new tokens as its
    expected turn plus a margin (`turn_budget`, counted with the project's base tokenizer for an
    endpoint), or `quiet_budget` where `turns` has None (only whether it calls matters)."""
    from workbench.evaluate.remote import Endpoint, decode_remote, is_remote, with_system
    from workbench.grammar import said_emails, tool_grammar

    if is_remote(model_ref):
        from workbench.models import load_tokenizer

        if constrained:
            raise EvalError("constrained decoding is for local models: an endpoint decodes its own way "
                            "(`workbench serve` constrains unless started with --no-constrained)")
        endpoint = Endpoint.resolve(model_ref, project)
        tokenizer = load_tokenizer(project.settings.base_model)
        budgets = [min(max_new_tokens, turn_budget(t, tokenizer)) if t is not None else quiet_budget for t in turns]
        system_prompt = project.system_prompt()
        decoded, wall, usage = decode_remote(endpoint, conversations, tools, budgets, system_prompt,
                                             progress=progress, cancel=cancel)
        prompts = [with_system(c, system_prompt) for c in conversations]
        return DecodedCases(decoded, wall, False, prompts, {"base_model": None, "adapter": None,
                                                            "endpoint": endpoint.label, "usage": usage})
    model = load_model(project, model_ref, weights)
    prompts = [render(c, t or None, system_prompt=model.system_prompt, add_generation_prompt=True,
                      tool_format=model.tool_format).text for c, t in zip(conversations, tools)]
    budgets = [min(max_new_tokens, turn_budget(t, model.tokenizer)) if t is not None else quiet_budget for t in turns]
    max_string = project.settings.max_string_length
    grammars = [tool_grammar(t, max_string=max_string, emails=said_emails(c)) if constrained and t else None
                for c, t in zip(conversations, tools)]
    decoded, wall, batched = decode_all(model, prompts, budgets, grammars, progress, cancel)
    return DecodedCases(decoded, wall, batched, prompts, {"base_model": model.base,
                                                         "adapter": str(model.adapter) if model.adapter else None})


def new_eval_dir(project: Project) -> Path:
    """evals/<time>-<4 hex>/, created."""
    out_dir = project.evals_dir / (_dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2))
    out_dir.mkdir(parents=True)
    return out_dir


def latency_summary(decoded: list, wall: float, batched: bool) -> dict:
    latencies = [st.seconds for _, st in decoded]
    qs = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return {"p50_s": round(statistics.median(latencies), 3) if latencies else 0.0,
            "p95_s": round(qs[18], 3) if qs else 0.0, "batched": batched,
            "tokens_per_s": round(sum(st.new_tokens for _, st in decoded) / wall, 1) if wall else 0.0,
            "total_s": round(wall, 1), "cut_cases": sum(st.finish_reason == "length" for _, st in decoded)}


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


def compare_evals(project: Project, a: str, b: str, data: str = "val", limit: int = 0,
                  constrained: bool = False, weights: str = "fp32", progress=None, cancel=None) -> dict:
    from rich.console import Console
    from rich.table import Table

    ra = evaluate(project, a, data, limit, constrained=constrained, weights=weights,
                  progress=progress and (lambda i, n, eta: progress(f"{a}", i, n, eta)), cancel=cancel)
    rb = evaluate(project, b, data, limit, constrained=constrained, weights=weights,
                  progress=progress and (lambda i, n, eta: progress(f"{b}", i, n, eta)), cancel=cancel)
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
