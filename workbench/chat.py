"""A chat with a model, held in the core: what the Chat screen's keys do, testable without a UI.

`ChatSession` keeps one model's side of a conversation: the messages in OpenAI shape, the
tool calls of the last answer that still wait for a result, and the stub world those calls
run in. The screen renders a session and dispatches keys to it; the model is asked by a
worker (`workbench.assistant`), whose raw text comes back through `add_answer`.

Model output is only ever parsed as JSON; a call runs only on the project's stubs, and only
when the user asks (`run_pending`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from workbench.chat_format import ParsedCall, ParsedOutput, parse, to_openai_message
from workbench.examples import Example, make_example


def check_call(call: ParsedCall, tools: list[dict]) -> list[str]:
    """Problems with one call against the offered tools' schemas (empty: valid)."""
    from workbench.schema_check import build_checker

    if call.arguments is None:
        return ["arguments are not a JSON object"]
    tool = next((t for t in tools if t.get("function", {}).get("name") == call.name), None)
    if tool is None:
        return [f"unknown tool {call.name!r}"]
    problems: list = []
    build_checker(tool["function"].get("parameters") or {})(call.arguments, "", problems)
    return [f"{p.path}: {p.message}" if p.path else p.message for p in problems]


@dataclass
class Reply:
    """One answer as the user should read it."""

    raw: str
    parsed: ParsedOutput
    message: dict                     # as appended to the conversation (OpenAI shape)
    problems: list[list[str]]         # per tool call: schema problems (empty: valid)
    cut: bool = False                 # stopped by the token limit, not by the model
    cancelled: bool = False           # stopped by the user

    @property
    def notes(self) -> list[str]:
        """What went wrong with the answer as a whole, in words (a cut call is not 'invalid JSON')."""
        if self.cancelled:
            return ["stopped by you before the model finished"]
        if self.cut:
            return [f"cut at the token limit{' inside a tool call' if self.parsed.errors else ''}: "
                    "raise the limit or ask again"]
        return list(self.parsed.errors)


@dataclass
class ChatSession:
    """One model's side of a chat: history, pending calls, and the stub world they run in."""

    messages: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)  # tool calls of the last answer not answered yet
    world: object = None                                # the toolset's session, made on the first run

    def reset(self) -> None:
        self.messages, self.pending, self.world = [], [], None

    def add_user(self, text: str) -> int:
        """Append a user message; returns how many unanswered calls were dropped for it."""
        dropped = len(self.pending)
        self.pending = []
        self.messages.append({"role": "user", "content": text})
        return dropped

    def add_answer(self, raw: str, tools: list[dict], finish_reason: str = "stop", id_prefix: str = "call") -> Reply:
        parsed = parse(raw)
        message = to_openai_message(parsed, id_prefix=f"{id_prefix}{len(self.messages)}")
        if parsed.errors:
            message["content"] = raw  # keep what the model wrote; the notes say what is wrong
        self.messages.append(message)
        self.pending = list(message.get("tool_calls", []))
        return Reply(raw, parsed, message, [check_call(c, tools) for c in parsed.tool_calls],
                     cut=finish_reason == "length", cancelled=finish_reason == "cancelled")

    def add_result(self, call: dict, text: str) -> None:
        """The result of one pending call (typed by hand or from a stub)."""
        self.messages.append({"role": "tool", "tool_call_id": call["id"], "content": text})
        self.pending = [c for c in self.pending if c is not call]

    def run_pending(self, toolset) -> list[tuple[dict, str]]:
        """Run every pending call on the toolset's stubs (JSON in, JSON out); each result is appended."""
        if self.world is None:
            self.world = toolset.session()
        results = []
        for call in list(self.pending):
            fn = call["function"]
            result = self.world.call(fn["name"], fn["arguments"])
            self.add_result(call, result)
            results.append((call, result))
        return results

    def destructive_pending(self, toolset) -> list[str]:
        return sorted({c["function"]["name"] for c in self.pending} & set(toolset.destructive))

    def to_example(self, tools: list[dict], model_ref: str) -> Example:
        """The conversation as a pending example, with a category read from its calls (`ExampleStore.add` gives it
        an unused id)."""
        call_turns = [m for m in self.messages if m.get("role") == "assistant" and m.get("tool_calls")]
        category = ("no_tool" if not call_turns else "multi_step" if len(call_turns) > 1 else
                    "parallel" if len(call_turns[0]["tool_calls"]) > 1 else "single")
        return make_example(json.loads(json.dumps(self.messages)), tools, category=category, source="chat",
                            notes=f"from chat with {model_ref}")


def open_assistant(model_ref: str, project):
    """The model behind a chat: "endpoint" (the project's teacher settings), "base", a run id or a path."""
    if model_ref == "endpoint":
        from workbench.assistant import RemoteAssistant
        from workbench.generate.teacher import TeacherConfig

        t = TeacherConfig.from_settings(project.settings.teacher, os.environ)
        return RemoteAssistant(t.base_url, t.model, t.api_key, project.system_prompt())
    from workbench.assistant import Assistant

    return Assistant(model_ref, project)
