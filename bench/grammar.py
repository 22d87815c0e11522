"""llguidance against xgrammar on this machine: grammar compile time and per-token mask time.

Both compile the JSON of one Task API tool call (anyOf over the five tools, fixed
separators) for the bundled model's tokenizer, then walk the tokens of a real call,
computing the allowed-token mask before each token, as constrained decoding does.
xgrammar is optional (`pip install --no-deps xgrammar apache-tvm-ffi`); its CPU path
needs no triton for this.

    .venv/bin/python bench/grammar.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CALL = '{"name": "update_task", "arguments": {"task_id": "task_21", "due_date": "2026-04-03", "priority": "high"}}'


def call_schema(tools):
    from workbench.grammar import _call_schema

    return {"anyOf": [_call_schema(t) for t in tools]}


def bench_llguidance(tokenizer, schema, ids) -> dict:
    import llguidance
    import llguidance.hf

    from workbench.grammar import JSON_FORMAT

    t = time.perf_counter()
    lt = llguidance.hf.from_tokenizer(tokenizer)
    tok_s = time.perf_counter() - t
    grammar = llguidance.LLMatcher.grammar_from_json_schema(schema, overrides=JSON_FORMAT)
    t = time.perf_counter()
    m = llguidance.LLMatcher(lt, grammar, log_level=0)
    m.compute_bitmask()
    compile_s = time.perf_counter() - t
    masks, forced = [], 0
    for tok in ids:
        t = time.perf_counter()
        m.compute_bitmask()
        masks.append(time.perf_counter() - t)
        forced += len(m.compute_ff_tokens()) > 0
        assert m.consume_token(tok), m.get_error()
    return {"tokenizer_s": round(tok_s, 3), "compile_s": round(compile_s, 4),
            "mask_us_mean": round(statistics.mean(masks) * 1e6, 1), "mask_us_max": round(max(masks) * 1e6, 1),
            "steps_with_forced_tokens": forced, "steps": len(ids)}


def bench_xgrammar(tokenizer, schema, ids) -> dict:
    try:
        import xgrammar as xgr
    except Exception as exc:  # noqa: BLE001 - optional
        return {"error": f"not available: {exc}"}
    t = time.perf_counter()
    info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=len(tokenizer))
    compiler = xgr.GrammarCompiler(info)
    tok_s = time.perf_counter() - t
    t = time.perf_counter()
    compiled = compiler.compile_json_schema(json.dumps(schema), any_whitespace=False, separators=(", ", ": "))
    compile_s = time.perf_counter() - t
    matcher = xgr.GrammarMatcher(compiled)
    bitmask = xgr.allocate_token_bitmask(1, info.vocab_size)
    masks, forced = [], 0
    for tok in ids:
        t = time.perf_counter()
        matcher.fill_next_token_bitmask(bitmask)
        masks.append(time.perf_counter() - t)
        forced += bool(matcher.find_jump_forward_string())
        assert matcher.accept_token(tok)
    return {"tokenizer_s": round(tok_s, 3), "compile_s": round(compile_s, 4),
            "mask_us_mean": round(statistics.mean(masks) * 1e6, 1), "mask_us_max": round(max(masks) * 1e6, 1),
            "steps_with_forced_tokens": forced, "steps": len(ids)}


def main() -> None:
    import sample_tools
    from workbench.models import load_tokenizer

    tokenizer = load_tokenizer("bundled:smollm2-135m")
    tools = sample_tools.get_toolset("task_api").tools
    schema = call_schema(tools)
    ids = tokenizer(CALL, add_special_tokens=False)["input_ids"]
    out = {"call_tokens": len(ids), "llguidance": bench_llguidance(tokenizer, schema, ids),
           "xgrammar": bench_xgrammar(tokenizer, schema, ids)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
