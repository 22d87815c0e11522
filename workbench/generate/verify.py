"""Verification of generated examples, in order: format, execution, then (optionally) meaning.

1. format: the same validation every example gets (workbench.validation).
2. execution: with the toolset's stubs, every call runs in a fresh world, in conversation
   order, after the calls that made the world the conversation starts in (`meta["setup"]`: the
   return a drop-off request names, started before it). A call that errors rejects the example,
   unless the example's own tool result for it is that same error (it says the call failed, as
   the offline generator's refused calls do); an error-recovery example must contain one.
3. semantic (optional): a judge (the teacher) says whether the calls answer the request.

A verdict never drops an example: the caller keeps rejected ones, with their reasons, for review.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.examples import Example
from workbench.validation import ToolIndexCache, validate_example

Judge = Callable[[Example], tuple[bool, str]]


@dataclass
class Verdict:
    ok: bool
    stage: str = ""
    """The stage that rejected the example ("format", "execution", "semantic"); empty when accepted."""
    reasons: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    """The stages that ran and passed."""

    def to_meta(self) -> dict:
        out: dict = {"ok": self.ok, "checks": self.checks}
        if not self.ok:
            out.update(stage=self.stage, reasons=self.reasons)
        return out


def check_execution(example: Example, toolset) -> list[str]:
    """Problems found by running the example's calls on the stubs (empty: all good)."""
    session = toolset.session()
    setup = example.meta.get("setup") or []
    for i, c in enumerate(setup if isinstance(setup, list) else []):
        c = c if isinstance(c, dict) else {}
        result = session.call(str(c.get("name", "")), c.get("arguments") or {})
        if session.is_error(result):
            return [f"meta.setup[{i}] {c.get('name', '?')}: {json.loads(result)['error']}"]
    recorded = {m.get("tool_call_id"): m.get("content") for m in example.messages
                if isinstance(m, dict) and m.get("role") == "tool"}
    errors: list[tuple[int, str, str]] = []
    owned = 0   # errors the example itself records as the call's result
    for i, m in enumerate(example.messages):
        if not isinstance(m, dict) or m.get("role") != "assistant" or not m.get("tool_calls"):
            continue
        for c in m["tool_calls"]:
            fn = c.get("function") or {}
            result = session.call(fn.get("name", ""), fn.get("arguments", "{}"))
            if session.is_error(result):
                if _same_json(recorded.get(c.get("id")), result):
                    owned += 1
                else:
                    errors.append((i, fn.get("name", "?"), json.loads(result)["error"]))
    if example.category == "error_recovery":
        if not errors and not owned:
            return ["error_recovery example, but no call returns an error"]
        return []  # the example is about the errors; its last answer explains or corrects them
    return [f"messages[{i}] {name}: {err}" for i, name, err in errors]


def _same_json(a: str | None, b: str) -> bool:
    try:
        return a is not None and json.loads(a) == json.loads(b)
    except json.JSONDecodeError:
        return False


def verify(example: Example, tools: list[dict], toolset=None, judge: Judge | None = None,
           cache: ToolIndexCache | None = None) -> Verdict:
    v = Verdict(ok=True)
    problems = [p for p in validate_example(example, tools, cache) if p.is_error]
    if problems:
        return Verdict(False, "format", [f"{p.code} at {p.path}: {p.message}" for p in problems])
    v.checks.append("format")
    if toolset is not None:
        reasons = check_execution(example, toolset)
        if reasons:
            return Verdict(False, "execution", reasons, v.checks)
        v.checks.append("execution")
    if judge is not None:
        try:
            ok, why = judge(example)
        except Exception as exc:  # a judge that fails leaves the example for a human, not accepted
            return Verdict(False, "semantic", [f"judge failed: {exc}"], v.checks)
        if not ok:
            return Verdict(False, "semantic", [why], v.checks)
        v.checks.append("semantic")
    return v
