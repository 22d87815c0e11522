"""The grammar of an assistant turn, compiled from the tool schemas, for constrained decoding.

An answer is free text or one or more `<tool_call>` blocks whose JSON is
`{"name": <a tool>, "arguments": <valid for that tool's parameters>}`, in exactly the
workbench chat format (workbench.chat_format): `, ` and `: ` separators, no other
whitespace. `tool_choice` narrows it the way the OpenAI API defines: `none` (text only),
`required` (at least one call), or one named function.

The grammar is llguidance's Lark dialect with `%json` for the calls (docs/serving.md says
why llguidance over xgrammar).
"""

from __future__ import annotations

import json
import re
from typing import Any

from workbench.chat_format import CALL_CLOSE, CALL_OPEN

JSON_FORMAT = {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}
# Free strings and arrays get a bound where the schema gives none: under a grammar a model can
# otherwise run on inside one string ("room.floor.ground.first.second.second...") until the
# token limit, and the call never closes. Projects change it with `max_string_length`.
MAX_STRING = 200
MAX_ITEMS = 16
# An email runs on inside its local part ("example.net's_orders_list_status_list...", the shop
# run of 2026-12-07, three calls cut at the token limit): 64 characters hold real addresses.
MAX_EMAIL = 64


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def said_emails(messages: list[dict]) -> tuple[str, ...]:
    """The email addresses a conversation holds: in its messages and its earlier calls' arguments."""
    found: set[str] = set()
    for m in messages:
        if not isinstance(m, dict):
            continue
        texts = [m.get("content") if isinstance(m.get("content"), str) else ""]
        for call in m.get("tool_calls") or []:
            args = (call.get("function") or {}).get("arguments")
            texts.append(args if isinstance(args, str) else json.dumps(args))
        for text in texts:
            found.update(EMAIL.findall(text or ""))
    return tuple(sorted(found))


def bounded(schema: Any, max_string: int = MAX_STRING, max_items: int = MAX_ITEMS, emails: tuple[str, ...] = ()) -> Any:
    """A copy of a JSON schema with `maxLength` on every free string and `maxItems` on every array
    that has none (strings with enum or const are bounded already; a schema's own bounds are kept).
    With `emails` (those the conversation holds), a `format: email` string is one of them: the model
    copies an address, never retypes it (the shop's tuned model wrote "lena.ruiz@example.net", an
    address it never trained on, as "naraiz@example.net", with and without the grammar)."""
    if isinstance(schema, list):
        return [bounded(s, max_string, max_items, emails) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: bounded(v, max_string, max_items, emails) if k not in ("enum", "const", "default", "examples") else v
           for k, v in schema.items()}
    types = out.get("type")
    types = types if isinstance(types, list) else [types]
    if emails and types == ["string"] and out.get("format") == "email" and "enum" not in out and "const" not in out:
        out = {k: v for k, v in out.items() if k not in ("format", "pattern", "minLength", "maxLength")}
        out["enum"] = list(emails)
        return out
    if "string" in types and "maxLength" not in out and "enum" not in out and "const" not in out:
        cap = min(max_string, MAX_EMAIL) if out.get("format") == "email" else max_string
        out["maxLength"] = max(cap, out.get("minLength", 0))
    if "array" in types and "maxItems" not in out:
        out["maxItems"] = max(max_items, out.get("minItems", 0))
    return out


class ToolChoiceError(ValueError):
    """`tool_choice` names no offered tool, or asks for a call with no tools."""


def _call_schema(tool: dict, max_string: int, emails: tuple[str, ...] = ()) -> dict:
    fn = tool.get("function", tool)
    params = bounded(fn.get("parameters") or {"type": "object", "properties": {}}, max_string, emails=emails)
    return {"type": "object", "properties": {"name": {"const": fn["name"]}, "arguments": params},
            "required": ["name", "arguments"], "additionalProperties": False}


def chosen_tools(tools: list[dict], tool_choice: Any) -> tuple[list[dict], str]:
    """The tools a turn may call and the mode: "auto", "none" or "required"."""
    if tool_choice in (None, "auto"):
        return tools, "auto" if tools else "none"
    if tool_choice == "none":
        return [], "none"
    if tool_choice == "required":
        if not tools:
            raise ToolChoiceError("tool_choice is 'required' but no tools were given")
        return tools, "required"
    if isinstance(tool_choice, dict):
        name = (tool_choice.get("function") or {}).get("name")
        picked = [t for t in tools if t.get("function", t).get("name") == name]
        if not picked:
            raise ToolChoiceError(f"tool_choice names {name!r}, which is not among the tools")
        return picked, "required"
    raise ToolChoiceError(f"tool_choice must be 'auto', 'none', 'required' or a function, not {tool_choice!r}")


def tool_grammar(tools: list[dict], tool_choice: Any = "auto", parallel: bool = True,
                 max_string: int = MAX_STRING, emails: tuple[str, ...] = ()) -> str:
    """A Lark grammar (llguidance dialect) for one assistant turn; free strings stop at `max_string`
    characters; an email parameter is one of `emails` where the conversation holds any (`said_emails`)."""
    allowed, mode = chosen_tools(tools, tool_choice)
    # Free text never contains "<": so it cannot hide a malformed <tool_call> (answers rarely need one).
    text = r"TEXT: /[^<\s][^<]*/"
    if mode == "none":
        return f"start: TEXT\n{text}\n"
    schema = {"anyOf": [_call_schema(t, max_string, emails) for t in allowed], "x-guidance": JSON_FORMAT}
    calls = 'calls: call ("\\n" call)*' if parallel else "calls: call"
    start = "start: TEXT | calls" if mode == "auto" else "start: calls"
    return "\n".join([
        start,
        calls,
        f"call: {json.dumps(CALL_OPEN + chr(10))} call_json {json.dumps(chr(10) + CALL_CLOSE)}",
        f"call_json: %json {json.dumps(schema)}",
        text,
        "",
    ])
