"""Example validation: every rule an example must satisfy, each with a stable code.

Codes (see docs/validation.md): bad_structure, bad_role, bad_role_order, empty_assistant,
unknown_tool, invalid_json_arguments, arguments_not_object, missing_required, type_mismatch,
enum_violation, unexpected_argument, bad_format, out_of_range, schema_violation,
missing_call_id, duplicate_call_id, orphan_tool_message, unanswered_tool_call, bad_meta,
invalid_tools.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

from workbench.examples import CATEGORIES, STATUSES, Example
from workbench.problems import Problem
from workbench.schema_check import Checker, build_checker
from workbench.tools import tool_name, validate_tools

ROLES = {"system", "user", "assistant", "tool"}


class ToolIndex:
    """Tool name -> compiled argument checker, built once per distinct tool list."""

    __slots__ = ("checkers", "problems")

    def __init__(self, tools: list[dict]):
        self.checkers: dict[str, Checker] = {}
        self.problems = [p for p in validate_tools(tools) if p.is_error]
        for t in tools:
            name = tool_name(t)
            params = t.get("function", {}).get("parameters") if isinstance(t, dict) else None
            if name:
                try:
                    self.checkers[name] = build_checker(params if isinstance(params, dict) else {})
                except Exception:  # an invalid schema is reported once through `problems`
                    self.checkers[name] = lambda v, p, o: None


class ToolIndexCache:
    """Examples usually share a handful of tool lists; compile each only once."""

    def __init__(self, size: int = 64):
        self._cache: OrderedDict[bytes, ToolIndex] = OrderedDict()
        self._size = size

    def get(self, tools: list[dict]) -> ToolIndex:
        key = orjson.dumps(tools)
        idx = self._cache.get(key)
        if idx is None:
            idx = self._cache[key] = ToolIndex(tools)
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return idx


_default_cache = ToolIndexCache()


def validate_example(example: Example | dict, default_tools: list[dict] | None = None,
                     cache: ToolIndexCache | None = None) -> list[Problem]:
    """All problems in one example.

    The example's own `tools` are used; `default_tools` (the project's) only when it has none.
    """
    data = example.data if isinstance(example, Example) else example
    problems: list[Problem] = []
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        return [Problem("bad_structure", "'messages' must be a non-empty list", "messages")]
    tools = data.get("tools")
    if tools is None:
        tools = default_tools or []
    if not isinstance(tools, list):
        problems.append(Problem("bad_structure", "'tools' must be a list or null", "tools"))
        tools = []
    index = (cache or _default_cache).get(tools)
    if index.problems:
        problems.append(Problem("invalid_tools", f"the example's tools are invalid: {index.problems[0]}", "tools"))
    _check_meta(data.get("meta"), problems)
    _check_messages(messages, index, problems)
    return problems


def _check_meta(meta: Any, problems: list[Problem]) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict):
        problems.append(Problem("bad_meta", "'meta' must be an object", "meta"))
        return
    status = meta.get("status", "pending")
    if status not in STATUSES:
        problems.append(Problem("bad_meta", f"status {status!r} is not one of {', '.join(STATUSES)}", "meta.status"))
    category = meta.get("category")
    if category and category not in CATEGORIES:
        problems.append(Problem("bad_meta", f"category {category!r} is not one of {', '.join(CATEGORIES)}",
                                "meta.category", "warning"))


def _check_messages(messages: list, index: ToolIndex, problems: list[Problem]) -> None:
    pending: dict[str, str] = {}   # call id -> tool name, answered by a later tool message
    seen_ids: set[str] = set()
    prev = None                    # role of the previous message
    last_assistant_called = False
    for i, msg in enumerate(messages):
        path = f"messages[{i}]"
        if not isinstance(msg, dict):
            problems.append(Problem("bad_structure", "a message must be an object", path))
            continue
        role = msg.get("role")
        if role not in ROLES:
            problems.append(Problem("bad_role", f"role {role!r} is not one of system, user, assistant, tool",
                                    f"{path}.role"))
            prev = role
            continue
        if role == "system":
            if i != 0:
                problems.append(Problem("bad_role_order", "a system message may only come first", path))
        elif role == "user":
            if pending:
                _unanswered(pending, path, problems)
                pending = {}
            if prev == "user":
                problems.append(Problem("bad_role_order", "two user messages in a row", path, "warning"))
        elif role == "assistant":
            if prev in (None, "system"):
                problems.append(Problem("bad_role_order", "the conversation must start with a user message", path))
            if pending:
                _unanswered(pending, path, problems)
                pending = {}
            calls = msg.get("tool_calls")
            content = msg.get("content")
            has_text = isinstance(content, str) and content.strip() != ""
            if calls is not None and not isinstance(calls, list):
                problems.append(Problem("bad_structure", "'tool_calls' must be a list", f"{path}.tool_calls"))
                calls = None
            if not calls and not has_text:
                problems.append(Problem("empty_assistant", "an assistant turn needs content or tool calls", path))
            for j, call in enumerate(calls or []):
                _check_call(call, f"{path}.tool_calls[{j}]", index, pending, seen_ids, problems)
            last_assistant_called = bool(calls)
        else:  # tool
            call_id = msg.get("tool_call_id")
            if call_id not in pending:
                why = ("answers no earlier call" if call_id not in seen_ids else "answers a call that was already answered")
                problems.append(Problem("orphan_tool_message", f"tool message (tool_call_id={call_id!r}) {why}", path))
            else:
                del pending[call_id]
            if not isinstance(msg.get("content"), str):
                problems.append(Problem("bad_structure", "a tool message's content must be a string",
                                        f"{path}.content"))
        prev = role
    last = messages[-1]
    if isinstance(last, dict) and last.get("role") != "assistant":
        problems.append(Problem("bad_role_order", "the conversation must end with an assistant turn",
                                f"messages[{len(messages) - 1}]"))
    elif pending and not last_assistant_called:
        _unanswered(pending, f"messages[{len(messages) - 1}]", problems)


def _unanswered(pending: dict[str, str], path: str, problems: list[Problem]) -> None:
    for call_id, name in pending.items():
        problems.append(Problem("unanswered_tool_call", f"call {call_id!r} to {name} has no tool result before "
                                "the conversation goes on", path))


def _check_call(call: Any, path: str, index: ToolIndex, pending: dict, seen_ids: set, problems: list[Problem]) -> None:
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        problems.append(Problem("bad_structure", "a tool call must be {id, type, function: {name, arguments}}", path))
        return
    call_id = call.get("id")
    fn = call["function"]
    name = fn.get("name")
    if not isinstance(call_id, str) or not call_id:
        problems.append(Problem("missing_call_id", "a tool call needs an id", f"{path}.id"))
    elif call_id in seen_ids:
        problems.append(Problem("duplicate_call_id", f"call id {call_id!r} is used twice", f"{path}.id"))
    else:
        seen_ids.add(call_id)
        pending[call_id] = name
    checker = index.checkers.get(name)
    if checker is None:
        problems.append(Problem("unknown_tool", f"no tool named {name!r} in this example's tools",
                                f"{path}.function.name"))
    raw = fn.get("arguments")
    if isinstance(raw, dict):
        problems.append(Problem("invalid_json_arguments", "arguments must be a JSON string, not an object",
                                f"{path}.function.arguments"))
        return
    if not isinstance(raw, str):
        problems.append(Problem("invalid_json_arguments", f"arguments must be a JSON string, got {type(raw).__name__}",
                                f"{path}.function.arguments"))
        return
    try:
        args = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        problems.append(Problem("invalid_json_arguments", f"arguments are not valid JSON: {str(exc).split(':')[0]}",
                                f"{path}.function.arguments"))
        return
    if not isinstance(args, dict):
        problems.append(Problem("arguments_not_object", "arguments must be a JSON object",
                                f"{path}.function.arguments"))
        return
    if checker is not None:
        checker(args, f"{path}.function.arguments", problems)


def validate_all(examples, default_tools: list[dict] | None = None) -> dict[str, list[Problem]]:
    """Problems per example id, for examples that have any."""
    cache = ToolIndexCache()
    out = {}
    for ex in examples:
        probs = validate_example(ex, default_tools, cache)
        if probs:
            out[ex.id] = probs
    return out
