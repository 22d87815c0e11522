"""Latency of one tool-call request through `workbench serve`, against plain transformers `generate`.

In one run, on the same model and the same prompt (the Task API tools, the project's system
prompt, "Mark task_12 as done"):

- serve: the real server on loopback, the real `openai` client, constrained decoding with
  prefix KV reuse, forced tokens and drafted tokens, on `LeanLlama` (the default);
- serve with a different request each time (only the system turn is reused);
- serve, ablations: no drafting; no prefix reuse; the transformers forward instead of
  LeanLlama; int8 weights; no grammar (free decoding, tool_choice auto);
- plain: `model.generate` on the rendered prompt, greedy, until `<|im_end|>`.

Goals (issue 7): serve p50 of 0.5 s or less, and 3x or more faster than plain generate.

    .venv/bin/python bench/latency.py [--model base|RUN_ID] [--project DIR] [--n 20]

With `--model base`, tool_choice is "required" (the base model does not call tools on its own);
with a run, "auto".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REQUEST = [{"role": "user", "content": "Mark task_12 as done"}]
VARIED = [[{"role": "user", "content": c}] for c in ("Mark task_7 as done", "please delete task_15",
                                                     "I finished task_42", "Mark task_12 as done",
                                                     "remove task_28 from my list")]


def pct(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"p50_s": round(statistics.median(xs), 3), "p95_s": round(xs[min(len(xs) - 1, int(0.95 * len(xs)))], 3),
            "n": len(xs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="base")
    ap.add_argument("--project", type=Path)
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import openai
    import torch

    from workbench.assistant import Assistant
    from workbench.decode import Decoder, on_torch_thread
    from workbench.project import Project, ensure_demo_project
    from workbench.serve import BackgroundServer, build_app

    project = Project.open(args.project) if args.project else ensure_demo_project()
    tools = project.load_tools()
    choice = "required" if args.model == "base" else "auto"
    assistant = Assistant(args.model, project)
    bg = BackgroundServer(build_app(assistant, "bench"))
    url = bg.start()
    client = openai.OpenAI(base_url=url, api_key="x", max_retries=0)

    def timed_requests(n: int, requests=(REQUEST,)) -> tuple[list[float], str]:
        out, last = [], ""
        for i in range(n):
            t = time.perf_counter()
            r = client.chat.completions.create(model="bench", messages=requests[i % len(requests)], tools=tools,
                                               tool_choice=choice, max_tokens=96)
            out.append(time.perf_counter() - t)
            m = r.choices[0].message
            last = json.dumps([c.function.model_dump() for c in m.tool_calls]) if m.tool_calls else m.content
        return out, last

    results: dict = {"model": args.model, "tool_choice": choice, "torch_threads": torch.get_num_threads()}
    timed_requests(2)  # warm-up: first grammar, first cache
    serve_lat, answer = timed_requests(args.n)
    results["serve"] = {**pct(serve_lat), "answer": answer}

    # A different request each time: the user turn is new, only the system turn is reused.
    lat, _ = timed_requests(args.n, VARIED)
    results["serve_varied_requests"] = pct(lat)

    decoder = assistant.decoder
    decoder.drafting = False
    lat, ans = timed_requests(max(5, args.n // 2))
    results["serve_no_drafting"] = {**pct(lat), "same_answer": ans == answer}
    decoder.drafting = True
    decoder.reuse_prefix = False
    lat, _ = timed_requests(max(5, args.n // 4))
    results["serve_no_prefix_reuse"] = pct(lat)
    decoder.reuse_prefix = True

    # The same server on the transformers forward (DynamicCache), then on int8 weights.
    engine = assistant.engine
    for name, lean in (("serve_transformers_forward", None), ("serve_int8_weights", "int8")):
        assistant.decoder = on_torch_thread(Decoder, engine.model, engine.tokenizer, engine.stop_ids, lean=lean)
        timed_requests(2)
        lat, ans = timed_requests(max(5, args.n // 2))
        results[name] = {**pct(lat), "same_answer": ans == answer}
    assistant.decoder = decoder
    assistant.constrained = False
    free_choice = "auto"
    lat = []
    for _ in range(max(5, args.n // 4)):
        t = time.perf_counter()
        client.chat.completions.create(model="bench", messages=REQUEST, tools=tools, tool_choice=free_choice,
                                       max_tokens=96)
        lat.append(time.perf_counter() - t)
    results["serve_unconstrained_auto"] = pct(lat)
    assistant.constrained = True
    bg.stop()

    # plain transformers generate on the same merged model and prompt, on the same (torch) thread
    model, tok = assistant.engine.model, assistant.engine.tokenizer
    prompt = assistant.prompt(REQUEST, tools)
    enc = tok(prompt, return_tensors="pt", add_special_tokens=False)

    def plain(n: int):
        with torch.inference_mode():
            return model.generate(**enc, max_new_tokens=n, do_sample=False, eos_token_id=assistant.engine.stop_ids,
                                  pad_token_id=tok.pad_token_id)

    lat, n_tokens = [], 0
    on_torch_thread(plain, 8)
    for _ in range(max(5, args.n // 4)):
        t = time.perf_counter()
        out = on_torch_thread(plain, 96)
        lat.append(time.perf_counter() - t)
        n_tokens = out.shape[1] - enc["input_ids"].shape[1]
    results["plain_generate"] = {**pct(lat), "new_tokens": int(n_tokens),
                                 "text": tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)}
    results["speedup_p50"] = round(results["plain_generate"]["p50_s"] / results["serve"]["p50_s"], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
