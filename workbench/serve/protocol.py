"""The OpenAI chat-completions wire format: reading requests, shaping answers and errors.

Only what the workbench serves is accepted; anything else gets the 4xx error body the
OpenAI API would send (`{"error": {"message", "type", "param", "code"}}`), naming the field.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from workbench.chat_format import ParsedOutput
from workbench.grammar import ToolChoiceError, chosen_tools

ROLES = ("system", "developer", "user", "assistant", "tool")


class APIError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, type_: str = "invalid_request_error",
                 code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.type, self.code = status, message, param, type_, code
        self.headers = headers or {}  # e.g. Retry-After on a 503

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


@dataclass
class ChatRequest:
    model: str
    messages: list[dict]
    tools: list[dict] = field(default_factory=list)
    tool_choice: Any = "auto"
    parallel_tool_calls: bool = True
    stream: bool = False
    include_usage: bool = False
    max_tokens: int = 256


def _bad(message: str, param: str | None) -> APIError:
    return APIError(400, message, param)


def _content_text(content: Any, where: str) -> str | None:
    """Text of a message's content: a string, or a list of text parts (as agent frameworks send)."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in ("text", "input_text", "output_text"):
                raise _bad("only text content parts are supported", f"{where}.content[{i}]")
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    raise _bad("content must be a string or a list of text parts", f"{where}.content")


def parse_request(body: Any, default_max_tokens: int = 256) -> ChatRequest:
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object", None)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("'model' is required", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _bad("'messages' must be a non-empty array", "messages")
    clean = []
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise _bad(f"each message needs a role: one of {', '.join(ROLES)}", f"{where}.role")
        msg = {"role": "system" if m["role"] == "developer" else m["role"],
               "content": _content_text(m.get("content"), where)}
        if m["role"] == "assistant" and m.get("tool_calls"):
            calls = m["tool_calls"]
            if not isinstance(calls, list):
                raise _bad("tool_calls must be an array", f"{where}.tool_calls")
            for j, c in enumerate(calls):
                fn = c.get("function") if isinstance(c, dict) else None
                if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                    raise _bad("each tool call needs function.name", f"{where}.tool_calls[{j}].function")
            msg["tool_calls"] = calls
        if m["role"] == "tool":
            msg["tool_call_id"] = m.get("tool_call_id")
        clean.append(msg)
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise _bad("'tools' must be an array", "tools")
    for i, t in enumerate(tools):
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(t, dict) or t.get("type", "function") != "function" or not isinstance(fn, dict) \
                or not isinstance(fn.get("name"), str):
            raise _bad("each tool must be {\"type\": \"function\", \"function\": {\"name\": ...}}", f"tools[{i}]")
        params = fn.get("parameters")
        if params is not None and not isinstance(params, dict):
            raise _bad("parameters must be a JSON Schema object", f"tools[{i}].function.parameters")
    tool_choice = body.get("tool_choice", "auto")
    try:
        chosen_tools(tools, tool_choice)
    except ToolChoiceError as exc:
        raise _bad(str(exc), "tool_choice") from None
    n = body.get("n", 1)
    if n not in (1, None):
        raise _bad("only n=1 is supported", "n")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    max_tokens = default_max_tokens if max_tokens is None else max_tokens
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise _bad("max_tokens must be a positive integer", "max_tokens")
    stream_options = body.get("stream_options") or {}
    return ChatRequest(model=model, messages=clean, tools=tools, tool_choice=tool_choice,
                       parallel_tool_calls=body.get("parallel_tool_calls", True) is not False,
                       stream=bool(body.get("stream")), include_usage=bool(stream_options.get("include_usage")),
                       max_tokens=min(max_tokens, 4096))


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def tool_calls_payload(parsed: ParsedOutput, request_id: str) -> list[dict]:
    """OpenAI tool calls: arguments as a JSON string, ids unique within the server's answers."""
    return [c.to_openai(f"call_{request_id[-12:]}_{i}") for i, c in enumerate(parsed.tool_calls)]


def completion(request_id: str, model: str, parsed: ParsedOutput, finish: str, usage: dict, raw: str = "") -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": parsed.content or None}
    if not parsed.tool_calls and parsed.errors and raw.strip():
        # A call cut off by max_tokens (or written wrong) comes back as the text it is, as it does in a
        # stream, rather than as an empty answer that hides what the model said.
        message["content"] = raw.strip()
    if parsed.tool_calls:
        message["tool_calls"] = tool_calls_payload(parsed, request_id)
        finish = "tool_calls"
    return {"id": request_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage}


def chunk(request_id: str, model: str, delta: dict, finish: str | None = None, usage: dict | None = None) -> dict:
    body: dict[str, Any] = {"id": request_id, "object": "chat.completion.chunk", "created": int(time.time()),
                            "model": model,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
    if usage is not None:
        body["choices"] = []
        body["usage"] = usage
    return body
