"""Score predicted tool calls against gold. Pure: no model, no I/O. Definitions: docs/metrics.md.

A case is a gold assistant turn (tool calls, or text when no call is expected) with the
tools that were offered, and a prediction: raw model text (parsed with the workbench chat
format), OpenAI-shaped `tool_calls`, or plain `content`.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.chat_format import parse
from workbench.schema_check import build_checker
from workbench.tools import tools_by_name

LABEL_ORDER = ("no_call", "unexpected_call", "cut_off", "invalid_json", "hallucinated_tool", "wrong_tool", "missing_call",
               "extra_call", "missing_required", "unexpected_param", "type_error", "wrong_value")


@dataclass
class Call:
    name: str
    arguments: dict | None  # None: the arguments did not parse to an object
    raw: str = ""


@dataclass
class Prediction:
    calls: list[Call]
    content: str = ""
    parse_errors: list[str] = field(default_factory=list)
    attempted: bool = False  # the output tried to make a call (tag or tool_calls), parsable or not
    cut: bool = False        # generation stopped at its token budget, not at the model's own end


def prediction_from_line(obj: dict) -> Prediction:
    """A prediction line: {"raw": text} | {"tool_calls": [...]} | {"content": text}."""
    if "raw" in obj:
        text = obj["raw"] if isinstance(obj["raw"], str) else ""
        parsed = parse(text)
        calls = [Call(c.name, c.arguments, c.raw) for c in parsed.tool_calls]
        return Prediction(calls, parsed.content, parsed.errors, attempted="<tool_call>" in text,
                          cut=bool(obj.get("cut")))
    if obj.get("tool_calls"):
        calls, errors = [], []
        for i, tc in enumerate(obj["tool_calls"]):
            fn = tc.get("function", {}) if isinstance(tc, dict) else {}
            raw = fn.get("arguments", "{}")
            try:
                args = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError as exc:
                args = None
                errors.append(f"tool call {i + 1}: arguments are not valid JSON ({exc.msg})")
            if args is not None and not isinstance(args, dict):
                errors.append(f"tool call {i + 1}: arguments are not a JSON object")
                args = None
            calls.append(Call(str(fn.get("name", "")), args, raw if isinstance(raw, str) else json.dumps(raw)))
        return Prediction(calls, obj.get("content") or "", errors, attempted=True)
    return Prediction([], obj.get("content") or "", [], attempted=False)


def expected_calls(message: dict) -> list[Call] | None:
    """The gold assistant turn's calls, or None when it expects no call."""
    calls = message.get("tool_calls") or []
    if not calls:
        return None
    return [Call(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


# ---------------------------------------------------------------- argument comparison

_PUNCT = str.maketrans("", "", string.punctuation)


def _norm_text(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_PUNCT).lower()).strip()


def normalize(value: Any, schema: dict | None) -> Any:
    """A canonical form for functional comparison, guided by the parameter's schema."""
    schema = schema or {}
    t = schema.get("type")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)  # 5 and 5.0 are the same number
    if isinstance(value, str):
        if "enum" in schema or "format" in schema or t not in (None, "string"):
            return value.strip()
        return _norm_text(value)  # free text: case, punctuation and spacing carry no meaning
    if isinstance(value, list):
        items = [normalize(v, schema.get("items")) for v in value]
        if schema.get("x-ordered"):
            return tuple(json.dumps(i, sort_keys=True) for i in items)
        return tuple(sorted(json.dumps(i, sort_keys=True) for i in items))  # order-insensitive
    if isinstance(value, dict):
        return normalize_args(value, schema)
    return value


def normalize_args(args: dict, schema: dict | None) -> dict:
    schema = schema or {}
    props = schema.get("properties") or {}
    out = {}
    for key, value in args.items():
        sub = props.get(key) if isinstance(props.get(key), dict) else {}
        if "default" in sub and value == sub["default"] and key not in (schema.get("required") or []):
            continue  # an optional argument equal to its default says nothing
        out[key] = normalize(value, sub)
    return out


def _eq_exact(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _eq_functional(a: dict, b: dict, schema: dict) -> bool:
    return json.dumps(normalize_args(a, schema), sort_keys=True, default=str) == json.dumps(
        normalize_args(b, schema), sort_keys=True, default=str)


def _fuzzy(pred: dict, gold: dict, schema: dict) -> float:
    """Share of (parameter, value) pairs in either call that both agree on, functionally."""
    p, g = normalize_args(pred, schema), normalize_args(gold, schema)
    keys = set(p) | set(g)
    if not keys:
        return 1.0
    return sum(1 for k in keys if k in p and k in g and p[k] == g[k]) / len(keys)


def _arg_labels(pred: dict, gold: dict, schema: dict) -> list[str]:
    labels = []
    props = schema.get("properties") or {}
    for r in schema.get("required") or []:
        if r not in pred:
            labels.append(f"missing_required:{r}")
    for k, v in pred.items():
        if k not in props and schema.get("additionalProperties") is False:
            labels.append(f"unexpected_param:{k}")
            continue
        if k not in gold:
            if k not in props:
                labels.append(f"unexpected_param:{k}")
            else:
                labels.append(f"wrong_value:{k}")  # an argument the request did not ask for
            continue
        sub = props.get(k) or {}
        problems: list = []
        build_checker(sub)(v, k, problems)
        if any(p.code == "type_mismatch" for p in problems):
            labels.append(f"type_error:{k}")
        elif normalize(v, sub) != normalize(gold[k], sub):
            labels.append(f"wrong_value:{k}")
    for k in gold:
        if k not in pred and k not in (schema.get("required") or []):
            labels.append(f"wrong_value:{k}")  # an optional value the request gave was dropped
    return labels


# ---------------------------------------------------------------- one case


@dataclass
class Verdict:
    index: int
    correct: bool
    label: str                     # the first error label, or "" when correct
    labels: list[str]
    expected_tools: list[str]
    predicted_tools: list[str]
    tool_selection: bool | None    # None when no call was expected
    exact: bool
    functional: bool
    fuzzy: float
    json_valid: bool | None        # None when no call was attempted
    schema_valid: bool | None      # None when no parsed call to a known tool
    hallucinated_calls: int
    calls_predicted: int
    missing_calls: int
    extra_calls: int
    abstained: bool
    arguments: dict[str, bool] = field(default_factory=dict)
    """`tool.argument`: whether its value was right, for each argument of a call to the right tool that the
    gold or the prediction gives (after normalising; an optional argument at its default is no argument)."""

    def to_dict(self) -> dict:
        return asdict(self)


def _match(pred: list[Call], gold: list[Call], tools: dict) -> tuple[list[tuple[Call, Call]], list[Call], list[Call]]:
    """Pair predicted with gold calls as a set: same name, best argument agreement first."""
    remaining = list(pred)
    pairs, missing = [], []
    for g in gold:
        schema = (tools.get(g.name) or {}).get("function", {}).get("parameters") or {}
        candidates = [p for p in remaining if p.name == g.name]
        if not candidates:
            missing.append(g)
            continue
        best = max(candidates, key=lambda p: _fuzzy(p.arguments or {}, g.arguments, schema)
                   if p.arguments is not None else -1)
        remaining.remove(best)
        pairs.append((best, g))
    return pairs, missing, remaining


def score_case(index: int, gold_calls: list[Call] | None, pred: Prediction, tools: list[dict]) -> Verdict:
    by_name = tools_by_name(tools)
    labels: list[str] = []
    hallucinated = sum(1 for c in pred.calls if c.name not in by_name)
    json_valid = None if not pred.attempted else (not pred.parse_errors and all(c.arguments is not None
                                                                                 for c in pred.calls))
    # A call cut by the token budget never finished: it says nothing about the JSON the model writes.
    broken = "cut_off" if pred.cut and json_valid is False else "invalid_json"
    if broken == "cut_off":
        json_valid = None
    known = [c for c in pred.calls if c.name in by_name and c.arguments is not None]
    schema_ok = None
    if known:
        schema_ok = True
        for c in known:
            problems: list = []
            build_checker(by_name[c.name]["function"].get("parameters") or {})(c.arguments, "", problems)
            schema_ok = schema_ok and not problems
    if gold_calls is None:
        made_call = pred.attempted or bool(pred.calls)
        if made_call:
            labels.append("unexpected_call")
        return Verdict(index, not made_call, labels[0] if labels else "", labels, [], [c.name for c in pred.calls],
                       None, not made_call, not made_call, 0.0 if made_call else 1.0, json_valid, schema_ok,
                       hallucinated, len(pred.calls), 0, len(pred.calls), not made_call)
    if not pred.calls:
        labels.append(broken if pred.attempted else "no_call")
        return Verdict(index, False, labels[0], labels, [g.name for g in gold_calls], [], False, False, False, 0.0,
                       json_valid, schema_ok, 0, 0, len(gold_calls), 0, True)
    if json_valid is False or broken == "cut_off":
        labels.append(broken)
    if hallucinated:
        labels.append("hallucinated_tool")
    pairs, missing, extra = _match(pred.calls, gold_calls, by_name)
    tool_ok = Counter(c.name for c in pred.calls) == Counter(g.name for g in gold_calls)
    if not tool_ok and not hallucinated and (not pairs or {c.name for c in pred.calls} != {g.name for g in gold_calls}):
        labels.append("wrong_tool")
    if missing and pairs:
        labels.append("missing_call")
    if extra and pairs:
        labels.append("extra_call")
    exact = functional = not missing and not extra
    fuzzy_scores = []
    arguments: dict[str, bool] = {}
    for p, g in pairs:
        schema = by_name[g.name]["function"].get("parameters") or {}
        if p.arguments is None:
            exact = functional = False
            fuzzy_scores.append(0.0)
            continue
        arguments.update(_argument_results(g.name, p.arguments, g.arguments, schema, arguments))
        exact = exact and _eq_exact(p.arguments, g.arguments)
        functional = functional and _eq_functional(p.arguments, g.arguments, schema)
        fuzzy_scores.append(_fuzzy(p.arguments, g.arguments, schema))
        if not _eq_functional(p.arguments, g.arguments, schema):
            labels.extend(_arg_labels(p.arguments, g.arguments, schema))
    fuzzy = sum(fuzzy_scores) / max(len(gold_calls), len(pred.calls))
    labels = sorted(dict.fromkeys(labels), key=lambda lab: LABEL_ORDER.index(lab.split(":")[0]))
    correct = functional and not labels
    return Verdict(index, correct, labels[0] if labels else "", labels, [g.name for g in gold_calls],
                   [c.name for c in pred.calls], tool_ok, exact, functional, round(fuzzy, 4), json_valid, schema_ok,
                   hallucinated, len(pred.calls), len(missing), len(extra), False, arguments)


def _argument_results(tool: str, pred: dict, gold: dict, schema: dict, seen: dict[str, bool]) -> dict[str, bool]:
    """Per argument of one matched call: right or not. Two calls to one tool in a case count once per
    argument, wrong if either is wrong."""
    p, g = normalize_args(pred, schema), normalize_args(gold, schema)
    out = {}
    for k in dict.fromkeys([*g, *p]):
        key = f"{tool}.{k}"
        out[key] = seen.get(key, True) and k in p and k in g and p[k] == g[k]
    return out


# ---------------------------------------------------------------- a whole set


def _rate(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def aggregate(verdicts: list[Verdict]) -> dict:
    calls_expected = [v for v in verdicts if v.expected_tools]
    no_call = [v for v in verdicts if not v.expected_tools]
    predicted_calls = sum(v.calls_predicted for v in verdicts)
    return {
        "examples": len(verdicts),
        "accuracy": _rate([v.correct for v in verdicts]),
        "json_validity": _rate([v.json_valid for v in verdicts]),
        "schema_validity": _rate([v.schema_valid for v in verdicts]),
        "tool_selection": _rate([v.tool_selection for v in calls_expected]),
        "hallucinated_tool_rate": round(sum(v.hallucinated_calls for v in verdicts) / predicted_calls, 4)
        if predicted_calls else 0.0,
        "args_exact": _rate([v.exact for v in calls_expected]),
        "args_functional": _rate([v.functional for v in calls_expected]),
        "args_fuzzy": _rate([v.fuzzy for v in calls_expected]),
        "missing_calls": sum(v.missing_calls for v in verdicts),
        "extra_calls": sum(v.extra_calls for v in verdicts),
        "abstention": _rate([v.abstained for v in no_call]),
        "call_when_expected": _rate([not v.abstained for v in calls_expected]),
        "labels": dict(Counter(lab for v in verdicts for lab in v.labels).most_common()),
    }


def per_tool(verdicts: list[Verdict]) -> dict:
    out: dict[str, dict] = defaultdict(lambda: {"n": 0, "tool_selection": 0, "args_exact": 0, "args_functional": 0})
    for v in verdicts:
        for name in set(v.expected_tools) or {"(no call)"}:
            row = out[name]
            row["n"] += 1
            row["tool_selection"] += bool(v.tool_selection) if v.expected_tools else v.abstained
            row["args_exact"] += v.exact
            row["args_functional"] += v.functional
    return {k: {**r, **{m: round(r[m] / r["n"], 4) for m in ("tool_selection", "args_exact", "args_functional")}}
            for k, r in sorted(out.items())}


def per_argument(verdicts: list[Verdict]) -> dict:
    """For each `tool.argument`: how often it was given in a call to the right tool, and how often right;
    the most often wrong first. The next lever after tool selection is in here (dates, enums, ids)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in verdicts:
        for key, right in v.arguments.items():
            counts[key][0] += 1
            counts[key][1] += right
    rows = {k: {"n": n, "right": r, "wrong": n - r, "accuracy": round(r / n, 4)} for k, (n, r) in counts.items()}
    return dict(sorted(rows.items(), key=lambda kv: (-kv[1]["wrong"], kv[1]["accuracy"], kv[0])))


def bootstrap_diff(a: list[float], b: list[float], n: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """Paired bootstrap of mean(b) - mean(a): (delta, 2.5th, 97.5th percentile)."""
    import random

    rng = random.Random(seed)
    k = len(a)
    if k == 0:
        return 0.0, 0.0, 0.0
    delta = (sum(b) - sum(a)) / k
    diffs = []
    for _ in range(n):
        idx = [rng.randrange(k) for _ in range(k)]
        diffs.append(sum(b[i] - a[i] for i in idx) / k)
    diffs.sort()
    lo, hi = diffs[int(0.025 * n)], diffs[min(n - 1, int(math.ceil(0.975 * n)) - 1)]
    return round(delta, 4), round(lo, 4), round(hi, 4)
