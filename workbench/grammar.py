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
from typing import Any

from workbench.chat_format import CALL_CLOSE, CALL_OPEN

JSON_FORMAT = {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}


class ToolChoiceError(ValueError):
    """`tool_choice` names no offered tool, or asks for a call with no tools."""


def _call_schema(tool: dict) -> dict:
    fn = tool.get("function", tool)
    params = fn.get("parameters") or {"type": "object", "properties": {}}
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


def tool_grammar(tools: list[dict], tool_choice: Any = "auto", parallel: bool = True) -> str:
    """A Lark grammar (llguidance dialect) for one assistant turn."""
    allowed, mode = chosen_tools(tools, tool_choice)
    # Free text never contains "<": so it cannot hide a malformed <tool_call> (answers rarely need one).
    text = r"TEXT: /[^<\s][^<]*/"
    if mode == "none":
        return f"start: TEXT\n{text}\n"
    schema = {"anyOf": [_call_schema(t) for t in allowed], "x-guidance": JSON_FORMAT}
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
