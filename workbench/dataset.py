"""Train/val split and export/import: OpenAI JSONL, Hugging Face `datasets`, ShareGPT (LLaMA-Factory).

The split is stratified by the first tool an example calls (or `no_tool`) so every tool is
in both splits when it has enough examples, and deterministic: the same seed and the same
examples give the same split whatever the file order.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import orjson

from workbench.examples import Example, ExampleFile, make_example
from workbench.fileio import atomic_write_bytes

FORMATS = ("openai", "hf", "sharegpt")


@dataclass
class Split:
    train: list[Example]
    val: list[Example]


def stratum(ex: Example) -> str:
    called = ex.called_tools()
    return called[0] if called else "no_tool"


def split_examples(examples: list[Example], seed: int, val_fraction: float, status: str = "accepted") -> Split:
    groups: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        if ex.status == status:
            groups[stratum(ex)].append(ex)
    train, val = [], []
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda e: e.id)  # independent of file order
        random.Random(f"{seed}:{key}").shuffle(group)
        n_val = round(len(group) * val_fraction)
        if val_fraction > 0 and n_val == 0 and len(group) >= 3:
            n_val = 1  # every tool with a few examples is seen in validation
        val.extend(group[:n_val])
        train.extend(group[n_val:])
    return Split(sorted(train, key=lambda e: e.id), sorted(val, key=lambda e: e.id))


def invalid_accepted(examples: list[Example], problems: dict[str, list]) -> list[str]:
    """Ids of accepted examples with validation errors: a run would refuse to start on them."""
    return [e.id for e in examples if e.status == "accepted" and any(p.is_error for p in problems.get(e.id, ()))]


def split_fingerprint(split: Split) -> str:
    h = hashlib.sha256()
    for name, part in (("train", split.train), ("val", split.val)):
        for ex in part:
            h.update(name.encode() + b":" + orjson.dumps(ex.data, option=orjson.OPT_SORT_KEYS) + b"\n")
    return h.hexdigest()[:16]


def with_system(ex: Example, system_prompt: str) -> list[dict]:
    """The example's messages with the project's system prompt put in front when it has none."""
    msgs = list(ex.messages)
    if system_prompt and not (msgs and isinstance(msgs[0], dict) and msgs[0].get("role") == "system"):
        msgs.insert(0, {"role": "system", "content": system_prompt})
    return msgs


# ---------------------------------------------------------------- export


def to_openai(ex: Example, system_prompt: str) -> dict:
    row = {"messages": with_system(ex, system_prompt)}
    if ex.tools:
        row["tools"] = ex.tools
    return row


def to_sharegpt(ex: Example, system_prompt: str) -> dict:
    """LLaMA-Factory's ShareGPT layout: human/gpt turns, `function_call` and `observation` roles."""
    conv = []
    system = system_prompt
    msgs = list(ex.messages)
    if msgs and msgs[0].get("role") == "system":
        system = msgs.pop(0).get("content") or ""
    i = 0
    while i < len(msgs):
        m = msgs[i]
        role = m.get("role")
        if role == "user":
            conv.append({"from": "human", "value": m.get("content") or ""})
        elif role == "assistant" and m.get("tool_calls"):
            calls = [{"name": c["function"]["name"], "arguments": _loads(c["function"].get("arguments"))}
                     for c in m["tool_calls"]]
            conv.append({"from": "function_call", "value": json.dumps(calls[0] if len(calls) == 1 else calls,
                                                                      ensure_ascii=False)})
        elif role == "assistant":
            conv.append({"from": "gpt", "value": m.get("content") or ""})
        elif role == "tool":
            results = []
            while i < len(msgs) and msgs[i].get("role") == "tool":
                results.append(msgs[i].get("content") or "")
                i += 1
            conv.append({"from": "observation", "value": results[0] if len(results) == 1 else json.dumps(results)})
            continue
        i += 1
    tools = [t.get("function", t) for t in ex.tools or []]
    return {"conversations": conv, "system": system, "tools": json.dumps(tools, ensure_ascii=False)}


def _loads(s):
    try:
        return json.loads(s) if isinstance(s, str) else s
    except json.JSONDecodeError:
        return s


def _hf_message(m: dict) -> dict:
    # Arrow needs one schema for every row: every message gets every key.
    calls = [{"id": c.get("id"), "type": "function",
              "function": {"name": c["function"]["name"], "arguments": c["function"].get("arguments", "{}")}}
             for c in m.get("tool_calls") or []]
    return {"role": m.get("role"), "content": m.get("content"), "tool_calls": calls or None,
            "tool_call_id": m.get("tool_call_id")}


def export_split(split: Split, out_dir: Path, fmt: str, system_prompt: str) -> list[Path]:
    """Write train and val in one format under `out_dir`; returns what was written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = {"train": split.train, "val": split.val}
    if fmt == "openai":
        written = []
        for name, exs in parts.items():
            path = out_dir / f"{name}.jsonl"
            atomic_write_bytes(path, b"".join(orjson.dumps(to_openai(e, system_prompt)) + b"\n" for e in exs))
            written.append(path)
        return written
    if fmt == "sharegpt":
        written = []
        for name, exs in parts.items():
            path = out_dir / f"{name}.json"
            data = [to_sharegpt(e, system_prompt) for e in exs]
            atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode())
            written.append(path)
        info = {f"workbench_{n}": {"file_name": f"{n}.json", "formatting": "sharegpt",
                                   "columns": {"messages": "conversations", "system": "system", "tools": "tools"}}
                for n in parts}
        atomic_write_bytes(out_dir / "dataset_info.json", json.dumps(info, indent=2).encode())
        return written + [out_dir / "dataset_info.json"]
    if fmt == "hf":
        from datasets import Dataset, DatasetDict

        dd = DatasetDict({name: Dataset.from_list([
            {"messages": [_hf_message(m) for m in with_system(e, system_prompt)],
             "tools": json.dumps(e.tools or [], ensure_ascii=False), "id": e.id} for e in exs])
            for name, exs in parts.items()})
        dd.save_to_disk(str(out_dir / "hf"))
        return [out_dir / "hf"]
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------- import


def import_file(path: Path, default_tools: list[dict] | None = None) -> tuple[list[Example], list[str]]:
    """Examples from OpenAI JSONL, a ShareGPT JSON/JSONL, or a `save_to_disk` directory.

    Returns the examples (status pending, source `import`) and problems with file:line.
    """
    path = Path(path)
    if path.is_dir():
        return _import_hf(path)
    raw = path.read_bytes()
    if path.suffix == ".json":
        try:
            rows = json.loads(raw)
        except json.JSONDecodeError as exc:
            return [], [f"{path}:{exc.lineno}: not valid JSON: {exc.msg}"]
        rows = rows if isinstance(rows, list) else [rows]
        return _rows_to_examples(path, list(enumerate(rows, 1)), default_tools)
    ef = ExampleFile(path)
    from workbench.examples import parse_jsonl_bytes

    ef.entries = parse_jsonl_bytes(raw)
    problems = [str(p) for p in ef.line_problems()]
    exs, more = _rows_to_examples(path, [(e.line, e.data) for e in ef.examples], default_tools)
    return exs, problems + more


def _rows_to_examples(path: Path, rows, default_tools) -> tuple[list[Example], list[str]]:
    out, problems = [], []
    for line, row in rows:
        if not isinstance(row, dict):
            problems.append(f"{path}:{line}: not an object")
            continue
        if "conversations" in row:
            ex = _from_sharegpt(row)
        elif "messages" in row:
            meta = row.get("meta") if isinstance(row.get("meta"), dict) else {}
            ex = make_example(row["messages"], row.get("tools", default_tools), category=meta.get("category", ""),
                              source="import", example_id=meta.get("id"))
        else:
            problems.append(f"{path}:{line}: neither 'messages' (OpenAI) nor 'conversations' (ShareGPT)")
            continue
        out.append(ex)
    return out, problems


def _from_sharegpt(row: dict) -> Example:
    msgs: list[dict] = []
    if row.get("system"):
        msgs.append({"role": "system", "content": row["system"]})
    pending: list[str] = []
    n = 0
    for turn in row.get("conversations") or []:
        who, value = turn.get("from"), turn.get("value", "")
        if who == "human":
            msgs.append({"role": "user", "content": value})
        elif who == "gpt":
            msgs.append({"role": "assistant", "content": value})
        elif who == "function_call":
            calls = _loads(value)
            calls = calls if isinstance(calls, list) else [calls]
            tool_calls = []
            for c in calls:
                n += 1
                args = c.get("arguments", {}) if isinstance(c, dict) else {}
                tool_calls.append({"id": f"call_{n}", "type": "function",
                                   "function": {"name": c.get("name", "") if isinstance(c, dict) else "",
                                                "arguments": args if isinstance(args, str)
                                                else json.dumps(args, ensure_ascii=False)}})
            pending = [c["id"] for c in tool_calls]
            msgs.append({"role": "assistant", "content": None, "tool_calls": tool_calls})
        elif who == "observation":
            results = _loads(value) if len(pending) > 1 else [value]
            results = results if isinstance(results, list) else [value]
            for call_id, res in zip(pending, results):
                msgs.append({"role": "tool", "tool_call_id": call_id,
                             "content": res if isinstance(res, str) else json.dumps(res)})
            pending = []
    tools = _loads(row.get("tools") or "[]")
    tools = [{"type": "function", "function": t} for t in tools] if isinstance(tools, list) and tools else None
    return make_example(msgs, tools, source="import")


def _import_hf(path: Path) -> tuple[list[Example], list[str]]:
    from datasets import DatasetDict, load_from_disk

    ds = load_from_disk(str(path))
    parts = list(ds.values()) if isinstance(ds, DatasetDict) else [ds]
    out = []
    for part in parts:
        for row in part:
            msgs = []
            for m in row["messages"]:
                msg = {"role": m["role"], "content": m.get("content")}
                if m.get("tool_calls"):
                    msg["tool_calls"] = m["tool_calls"]
                if m.get("tool_call_id"):
                    msg["tool_call_id"] = m["tool_call_id"]
                msgs.append(msg)
            tools = row.get("tools")
            tools = json.loads(tools) if isinstance(tools, str) else tools
            out.append(make_example(msgs, tools or None, source="import", example_id=row.get("id")))
    return out, []
