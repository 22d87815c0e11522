"""How a conversation with tools looks as model text, both ways: render and parse.

This is the only module that knows how a tool call is written as text, so that
training, evaluation, chat and serving cannot disagree.

The workbench format is ChatML in the Hermes/Qwen2.5 style, for base models whose
own chat template has no tool support (SmolLM2):

    <|im_start|>system
    {system prompt}

    # Tools
    ...
    create_task: Create a new task in the user's task list.
    - title (string, required): Short title of the task.
    - due_date (string, format "date"): Due date as YYYY-MM-DD.
    ...<|im_end|>
    <|im_start|>user
    Add a task to call mum<|im_end|>
    <|im_start|>assistant
    <tool_call>
    {"name": "create_task", "arguments": {"title": "Call mum"}}
    </tool_call><|im_end|>
    <|im_start|>user
    <tool_response>
    {"task_id": "task_42"}
    </tool_response><|im_end|>

`render` returns the text and the character spans of the assistant turns (the part
the model is trained on, `<|im_end|>` included so it learns to stop). The same
format as a Jinja chat template (`chat_template()`, with `{% generation %}` markers) is
saved with every trained model, so tools outside the workbench (transformers, vLLM)
render identically; tests hold the two to the same output.

Tools are written as JSON inside <tools></tools> (`tool_format="json"`, the default), as
Hermes and Qwen2.5 write them, or compactly (`tool_format="compact"`, `compact_tool`: a line
per function and per parameter, about half the tokens). The module example above is compact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"
RESPONSE_OPEN, RESPONSE_CLOSE = "<tool_response>", "</tool_response>"

TOOLS_PREAMBLE = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
)
TOOLS_POSTAMBLE = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)
# The compact form (`tool_format="compact"`): one line per function and per parameter instead
# of its JSON Schema, about half the tokens (683 -> 364 for the Task API's five tools).
COMPACT_PREAMBLE = "# Tools\n\nYou may call one or more functions to assist with the user query. The functions:\n\n"
COMPACT_POSTAMBLE = TOOLS_POSTAMBLE.replace("\n</tools>", "", 1)
TOOL_FORMATS = ("compact", "json")
# JSON stays the default: the base model reads it better (with compact tools it called create_task for
# "Mark task_12 as done"), and the fit check could not tell the two apart on quality (docs/training.md).
DEFAULT_TOOL_FORMAT = "json"
# What a model trained before the format was recorded saw.
LEGACY_TOOL_FORMAT = "json"


def _dumps(value: Any) -> str:
    # The same as transformers' Jinja `tojson` filter, so both renderings agree.
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Rendered:
    """A rendered prompt and the [start, end) character spans the model is trained on."""

    text: str
    spans: list[tuple[int, int]]

    def trained_text(self) -> str:
        return "".join(self.text[a:b] for a, b in self.spans)


def system_block(system: str, tools: list[dict] | None, tool_format: str = DEFAULT_TOOL_FORMAT) -> str:
    parts = [system] if system else []
    if tools:
        functions = [t["function"] if "function" in t else t for t in tools]
        if tool_format == "json":
            parts.append(TOOLS_PREAMBLE + "\n".join(_dumps(f) for f in functions) + TOOLS_POSTAMBLE)
        else:
            parts.append(COMPACT_PREAMBLE + "\n".join(compact_tool(f) for f in functions) + COMPACT_POSTAMBLE)
    return "\n\n".join(parts)


# Schema keywords the compact form writes after a parameter's type, in this order.
COMPACT_KEYWORDS = ("format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                    "minLength", "maxLength", "minItems", "maxItems", "default", "examples")


def compact_type(schema: Any) -> str:
    """A parameter's type in a few words: `"low" | "high"`, `array of string`, `integer, minimum 1`."""
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema:
        text = " | ".join(_dumps(v) for v in schema["enum"])
    elif "const" in schema:
        text = "exactly " + _dumps(schema["const"])
    elif "anyOf" in schema or "oneOf" in schema:
        text = " or ".join(compact_type(s) for s in schema.get("anyOf", schema.get("oneOf")))
    else:
        kind = schema.get("type", "any")
        text = " or ".join(kind) if isinstance(kind, list) else str(kind)
        if kind == "array" and isinstance(schema.get("items"), dict):
            text += " of " + compact_type(schema["items"])
        elif kind == "object" and isinstance(schema.get("properties"), dict):
            required = schema.get("required", [])
            text += " {" + ", ".join(f"{k}: {compact_type(v)}" + (" (required)" if k in required else "")
                                     for k, v in schema["properties"].items()) + "}"
    return text + "".join(f", {k} {_dumps(schema[k])}" for k in COMPACT_KEYWORDS if k in schema)


def compact_tool(function: dict) -> str:
    """One function as its name and description, then a line per parameter:
    `- due_date (string, format "date", required): Due date as YYYY-MM-DD.`"""
    head = function.get("name", "")
    if function.get("description"):
        head += ": " + function["description"]
    params = function.get("parameters") or {}
    required = params.get("required", [])
    lines = [head]
    for name, schema in (params.get("properties") or {}).items():
        line = f"- {name} ({compact_type(schema)}{', required' if name in required else ''})"
        if isinstance(schema, dict) and schema.get("description"):
            line += ": " + schema["description"]
        lines.append(line)
    return "\n".join(lines)


def format_call(name: str, arguments: Any) -> str:
    """One tool call as the model writes it. String arguments are parsed so spacing is canonical."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            # Broken arguments stay as written: a training example should show what it says.
            return f'{CALL_OPEN}\n{{"name": {_dumps(name)}, "arguments": {arguments}}}\n{CALL_CLOSE}'
    return f'{CALL_OPEN}\n{{"name": {_dumps(name)}, "arguments": {_dumps(arguments)}}}\n{CALL_CLOSE}'


def format_assistant(content: str | None, tool_calls: list[dict] | None) -> str:
    """The body of an assistant turn (without the ChatML wrapper)."""
    parts = [content] if content else []
    for call in tool_calls or []:
        fn = call.get("function", call)
        parts.append(format_call(fn.get("name", ""), fn.get("arguments", {})))
    return "\n".join(parts)


def render(messages: list[dict], tools: list[dict] | None = None, *, system_prompt: str = "",
           add_generation_prompt: bool = False, tool_format: str = DEFAULT_TOOL_FORMAT) -> Rendered:
    """Render a conversation in the workbench format.

    Args:
        messages: OpenAI-style messages; a leading system message overrides `system_prompt`.
        tools: OpenAI tool definitions offered to the model, or None.
        system_prompt: used when the conversation has no system message of its own.
        add_generation_prompt: end with an open assistant turn, for generation.
        tool_format: how the tools are written: "compact" (a line per parameter) or "json" (their
            schemas, as models trained before the compact form saw them).
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0

    def emit(s: str) -> None:
        nonlocal pos
        out.append(s)
        pos += len(s)

    msgs = list(messages)
    system = system_prompt
    if msgs and msgs[0].get("role") == "system":
        system = msgs.pop(0).get("content") or ""
    block = system_block(system, tools, tool_format)
    if block:
        emit(f"{IM_START}system\n{block}{IM_END}\n")
    i = 0
    while i < len(msgs):
        m = msgs[i]
        role = m.get("role")
        if role == "assistant":
            emit(f"{IM_START}assistant\n")
            start = pos
            emit(format_assistant(m.get("content"), m.get("tool_calls")) + IM_END)
            spans.append((start, pos))
            emit("\n")
        elif role == "tool":
            # Consecutive tool results go back to the model in one user turn, as in Qwen2.5.
            responses = []
            while i < len(msgs) and msgs[i].get("role") == "tool":
                responses.append(f"{RESPONSE_OPEN}\n{msgs[i].get('content') or ''}\n{RESPONSE_CLOSE}")
                i += 1
            emit(f"{IM_START}user\n" + "\n".join(responses) + f"{IM_END}\n")
            continue
        else:
            emit(f"{IM_START}{role}\n{m.get('content') or ''}{IM_END}\n")
        i += 1
    if add_generation_prompt:
        emit(f"{IM_START}assistant\n")
    return Rendered("".join(out), spans)


# The same format as a Jinja chat template, for transformers' apply_chat_template and vLLM.
# Dict keys are read by subscript: `schema.items` would be the dict's method, not the keyword.
_COMPACT_MACRO = (
    "{%- macro ctype(s) -%}"
    "{%- if s is not mapping -%}{{- 'any' -}}"
    "{%- else -%}"
    "{%- if 'enum' in s -%}"
    "{%- for v in s['enum'] -%}{%- if not loop.first -%}{{- ' | ' -}}{%- endif -%}{{- v | tojson -}}{%- endfor -%}"
    "{%- elif 'const' in s -%}{{- 'exactly ' -}}{{- s['const'] | tojson -}}"
    "{%- elif 'anyOf' in s or 'oneOf' in s -%}"
    "{%- for a in (s['anyOf'] if 'anyOf' in s else s['oneOf']) -%}"
    "{%- if not loop.first -%}{{- ' or ' -}}{%- endif -%}{{- ctype(a) -}}{%- endfor -%}"
    "{%- else -%}"
    "{%- set kind = s['type'] if 'type' in s else 'any' -%}"
    "{%- if kind is string -%}{{- kind -}}{%- elif kind is sequence -%}{{- kind | join(' or ') -}}"
    "{%- else -%}{{- kind | string -}}{%- endif -%}"
    "{%- if kind == 'array' and 'items' in s and s['items'] is mapping -%}{{- ' of ' + ctype(s['items']) -}}"
    "{%- elif kind == 'object' and 'properties' in s and s['properties'] is mapping -%}"
    "{%- set required = s['required'] if 'required' in s else [] -%}"
    "{{- ' {' -}}{%- for k, v in s['properties'].items() -%}{%- if not loop.first -%}{{- ', ' -}}{%- endif -%}"
    "{{- k + ': ' + ctype(v) -}}{%- if k in required -%}{{- ' (required)' -}}{%- endif -%}{%- endfor -%}{{- '}' -}}"
    "{%- endif -%}"
    "{%- endif -%}"
    "{%- for k in " + json.dumps(list(COMPACT_KEYWORDS)) + " -%}"
    "{%- if k in s -%}{{- ', ' + k + ' ' -}}{{- s[k] | tojson -}}{%- endif -%}{%- endfor -%}"
    "{%- endif -%}"
    "{%- endmacro -%}"
)
_TOOLS_SECTION = {
    "json": (
        "{{- " + json.dumps(TOOLS_PREAMBLE) + " -}}"
        "{%- for tool in tools -%}{%- if not loop.first -%}{{- '\\n' -}}{%- endif -%}"
        "{%- if tool.function is defined -%}{{- tool.function | tojson -}}{%- else -%}{{- tool | tojson -}}{%- endif -%}"
        "{%- endfor -%}"
        "{{- " + json.dumps(TOOLS_POSTAMBLE) + " -}}"
    ),
    "compact": (
        "{{- " + json.dumps(COMPACT_PREAMBLE) + " -}}"
        "{%- for tool in tools -%}{%- if not loop.first -%}{{- '\\n' -}}{%- endif -%}"
        "{%- set f = tool.function if tool.function is defined else tool -%}"
        "{{- f['name'] if 'name' in f else '' -}}"
        "{%- if 'description' in f and f['description'] -%}{{- ': ' + f['description'] -}}{%- endif -%}"
        "{%- set params = f['parameters'] if 'parameters' in f and f['parameters'] else {} -%}"
        "{%- set required = params['required'] if 'required' in params else [] -%}"
        "{%- set props = params['properties'] if 'properties' in params and params['properties'] else {} -%}"
        "{%- for name, schema in props.items() -%}"
        "{{- '\\n- ' + name + ' (' + ctype(schema) -}}{%- if name in required -%}{{- ', required' -}}{%- endif -%}"
        "{{- ')' -}}"
        "{%- if schema is mapping and 'description' in schema and schema['description'] -%}"
        "{{- ': ' + schema['description'] -}}{%- endif -%}"
        "{%- endfor -%}"
        "{%- endfor -%}"
        "{{- " + json.dumps(COMPACT_POSTAMBLE) + " -}}"
    ),
}
_TEMPLATE_HEAD = (
    "{%- set system = system_prompt if system_prompt is defined else '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- set system = messages[0]['content'] or '' -%}{%- set loop_messages = messages[1:] -%}"
    "{%- endif -%}"
    "{%- if system or tools -%}"
    "{{- '<|im_start|>system\\n' -}}{{- system -}}"
    "{%- if tools -%}"
    "{%- if system -%}{{- '\\n\\n' -}}{%- endif -%}"
)


def _template_tail(open_: str, close: str) -> str:
    """The messages part; `open_`/`close` wrap each assistant turn (transformers' generation markers, or nothing)."""
    return (
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- if message.role == 'assistant' -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    + open_ +
    "{%- if message.content -%}{{- message.content -}}{%- endif -%}"
    "{%- if message.tool_calls -%}{%- for tc in message.tool_calls -%}"
    "{%- set fn = tc.function if tc.function is defined else tc -%}"
    "{%- if message.content or not loop.first -%}{{- '\\n' -}}{%- endif -%}"
    "{{- '<tool_call>\\n{\"name\": ' -}}{{- fn.name | tojson -}}{{- ', \"arguments\": ' -}}"
    "{%- if fn.arguments is string -%}{{- fn.arguments -}}{%- else -%}{{- fn.arguments | tojson -}}{%- endif -%}"
    "{{- '}\\n</tool_call>' -}}"
    "{%- endfor -%}{%- endif -%}"
    "{{- '<|im_end|>' -}}"
    + close +
    "{{- '\\n' -}}"
    "{%- elif message.role == 'tool' -%}"
    "{%- if loop.first or loop_messages[loop.index0 - 1].role != 'tool' -%}{{- '<|im_start|>user' -}}{%- endif -%}"
    "{{- '\\n<tool_response>\\n' -}}{{- message.content -}}{{- '\\n</tool_response>' -}}"
    "{%- if loop.last or loop_messages[loop.index0 + 1].role != 'tool' -%}{{- '<|im_end|>\\n' -}}{%- endif -%}"
    "{%- else -%}"
    "{{- '<|im_start|>' + message.role + '\\n' -}}{{- message.content or '' -}}{{- '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
    )


def chat_template(tool_format: str = DEFAULT_TOOL_FORMAT, generation: bool = True) -> str:
    """The workbench format as a Jinja chat template, tools written in `tool_format` ("compact" or "json").
    `generation=False` leaves out the `{% generation %}` markers, which only transformers knows (for
    llama.cpp and plain Jinja2)."""
    macro = _COMPACT_MACRO if tool_format == "compact" else ""
    tail = _template_tail("{%- generation -%}", "{%- endgeneration -%}") if generation else _template_tail("", "")
    return macro + _TEMPLATE_HEAD + _TOOLS_SECTION[tool_format] + tail


# ---------------------------------------------------------------- parsing


@dataclass
class ParsedCall:
    """A tool call read from model text. `arguments` is None when they were not a JSON object."""

    name: str
    arguments: dict | None
    raw: str

    def to_openai(self, call_id: str) -> dict:
        args = self.arguments if self.arguments is not None else self.raw
        return {"id": call_id, "type": "function",
                "function": {"name": self.name, "arguments": args if isinstance(args, str) else _dumps(args)}}


@dataclass
class ParsedOutput:
    """What a model said: free text, tool calls, and what could not be read (never an exception)."""

    content: str
    tool_calls: list[ParsedCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_DECODER = json.JSONDecoder()
_WS = re.compile(r"\s*")


def parse(text: str) -> ParsedOutput:
    """Split model output into content, tool calls and parse errors. Never raises."""
    if not isinstance(text, str):
        return ParsedOutput("", [], [f"output is {type(text).__name__}, not text"])
    if text.endswith(IM_END):
        text = text[: -len(IM_END)]
    content_parts: list[str] = []
    calls: list[ParsedCall] = []
    errors: list[str] = []
    pos = 0
    n = 0
    while True:
        start = text.find(CALL_OPEN, pos)
        if start < 0:
            content_parts.append(text[pos:])
            break
        content_parts.append(text[pos:start])
        n += 1
        body_start = start + len(CALL_OPEN)
        end, call, err = _read_call(text, body_start)
        if call is not None:
            calls.append(call)
        if err:
            errors.append(f"tool call {n}: {err}")
        pos = end
    content = "".join(content_parts).strip()
    return ParsedOutput(content, calls, errors)


def _read_call(text: str, pos: int) -> tuple[int, ParsedCall | None, str]:
    """Read one call body after `<tool_call>`; returns (position after it, call, error)."""
    j = _WS.match(text, pos).end()
    try:
        # raw_decode rather than a regex so `</tool_call>` inside a string argument is fine.
        obj, j2 = _DECODER.raw_decode(text, j)
    except json.JSONDecodeError as exc:
        close = text.find(CALL_CLOSE, pos)
        end = close + len(CALL_CLOSE) if close >= 0 else len(text)
        raw = text[pos:close if close >= 0 else len(text)].strip()
        what = "unterminated tool call" if close < 0 and not raw else f"not valid JSON ({exc.msg})"
        return end, None, what
    k = _WS.match(text, j2).end()
    if text.startswith(CALL_CLOSE, k):
        end, err = k + len(CALL_CLOSE), ""
    else:
        close = text.find(CALL_CLOSE, k)
        end = close + len(CALL_CLOSE) if close >= 0 else len(text)
        err = "missing </tool_call>" if close < 0 else "text after the JSON object"
    raw = text[j:j2]
    if not isinstance(obj, dict):
        return end, None, "the call is not a JSON object"
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return end, None, "the call has no 'name'"
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # some models double-encode the arguments
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return end, ParsedCall(name, None, raw), "arguments are not valid JSON"
    if not isinstance(args, dict):
        return end, ParsedCall(name, None, raw), "arguments are not a JSON object"
    return end, ParsedCall(name, args, raw), err


def to_openai_message(parsed: ParsedOutput, id_prefix: str = "call") -> dict:
    """An assistant message in OpenAI's shape from parsed model output."""
    msg: dict[str, Any] = {"role": "assistant", "content": parsed.content or None}
    if parsed.tool_calls:
        msg["tool_calls"] = [c.to_openai(f"{id_prefix}_{i}") for i, c in enumerate(parsed.tool_calls)]
    return msg


# ---------------------------------------------------------------- deciding characters

_NAME = re.compile(r'"name": "')
_KEY = re.compile(r'(?:\{|, )"(?=[^"])')


def decision_points(rendered: Rendered) -> list[int]:
    """Character offsets, inside the assistant turns, where the model decides what the turn does.

    - the turn's first character: a tool call or a text answer (abstention is decided here);
    - the first character of each tool name: which tool;
    - the first character of each argument key (and of each later array item): which optional
      arguments are passed, how many tags;
    - the end of each argument value and the `,`, `}` or `]` after it: one more argument (or
      item), or close. The tokenizer merges a string's closing quote with the comma (`",`), so
      this is the token where a model adds an argument nobody asked for, or drops one;
    - the character after each `</tool_call>`: another call, or the end of the turn.
    The rest of a turn is mostly copying (titles, ids) or wording. Training can weight these
    tokens up (`TrainConfig.decision_weight`) so that the few tokens that decide the call get
    more of the gradient than their share of the text.
    """
    points: list[int] = []
    text = rendered.text
    for start, end in rendered.spans:
        points.append(start)
        turn = text[start:end]
        for m in _NAME.finditer(turn):
            points.append(start + m.end())
            args_at = turn.find('"arguments": ', m.end())
            close = turn.find(CALL_CLOSE, m.end())
            if args_at < 0 or close < 0:
                continue
            args_at += len('"arguments": ')
            points.extend(start + k.end() for k in _KEY.finditer(turn, args_at, close))
            points.extend(start + i for i in _value_ends(turn, args_at, close))
            if start + close + len(CALL_CLOSE) < end:
                points.append(start + close + len(CALL_CLOSE))
    return sorted(set(points))


def _value_ends(turn: str, start: int, stop: int) -> list[int]:
    """Offsets of each `,` `}` `]` outside strings in `turn[start:stop]`, and of the character before it."""
    out: list[int] = []
    in_string = escaped = False
    for i in range(start, stop):
        c = turn[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in ",}]":
            out += [i - 1, i]
    return out


# ---------------------------------------------------------------- tokens


def assistant_token_mask(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    """1 for each token whose characters lie inside an assistant span, else 0.

    `offsets` is the tokenizer's offset mapping for the rendered text. A token is
    trained when it starts inside a span; ChatML's special tokens keep span edges
    on token boundaries, so nothing straddles one.
    """
    mask = [0] * len(offsets)
    si = 0
    for ti, (a, b) in enumerate(offsets):
        while si < len(spans) and spans[si][1] <= a:
            si += 1
        if si < len(spans) and spans[si][0] <= a < spans[si][1] and b > a:
            mask[ti] = 1
    return mask


def token_weights(offsets: list[tuple[int, int]], points: list[int], weight: float) -> list[float]:
    """`weight` for each token that covers one of `points` (character offsets), 1.0 for the rest."""
    out = [1.0] * len(offsets)
    pi = 0
    for ti, (a, b) in enumerate(offsets):
        while pi < len(points) and points[pi] < a:
            pi += 1
        if pi < len(points) and a <= points[pi] < b:
            out[ti] = weight
    return out
