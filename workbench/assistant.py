"""A model that answers conversations with tools: what the Chat screen and the server talk to.

It renders the conversation in the workbench chat format, decodes with `workbench.decode`
(prefix reuse, optional grammar), and parses the answer into text and tool calls. Model
output is only ever parsed as JSON, never evaluated.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.chat_format import CALL_OPEN, ParsedOutput, parse, render
from workbench.decode import Decoder, DecodeStats, on_torch_thread
from workbench.grammar import MAX_STRING, chosen_tools, said_emails, tool_grammar


@dataclass
class Answer:
    raw: str
    parsed: ParsedOutput
    stats: DecodeStats

    @property
    def finish_reason(self) -> str:
        if self.parsed.tool_calls:
            return "tool_calls"
        return self.stats.finish_reason

    def usage(self) -> dict:
        return {"prompt_tokens": self.stats.prompt_tokens, "completion_tokens": self.stats.new_tokens,
                "total_tokens": self.stats.prompt_tokens + self.stats.new_tokens}


class Assistant:
    def __init__(self, model_ref: str, project=None, constrained: bool = True, device: str | None = None,
                 dtype=None, weights: str = "fp32", today: str | None = None):
        from workbench.inference import Engine, adapter_system_prompt, resolve_model_ref, trained_tool_format

        default_base = project.settings.base_model if project is not None else "bundled:smollm2-135m"
        runs_dir = project.runs_dir if project is not None else None
        base, adapter = resolve_model_ref(model_ref, runs_dir, default_base)
        self.engine = on_torch_thread(Engine, base, adapter, device=device, dtype=dtype)
        self.model_ref = model_ref
        self.name = model_ref if model_ref == "base" or adapter is None else Path(adapter).parent.name \
            if Path(adapter).name in ("adapter", "model") else Path(adapter).name
        # `today`: the day `{today}` and `{calendar}` stand for (default: the one trained with).
        default_prompt = project.system_prompt(today) if project is not None else ""
        self.system_prompt = adapter_system_prompt(adapter, default_prompt, today)
        # The day the prompt was moved to, or None where it stays as trained (or was already that day).
        self.today = today if today and self.system_prompt != adapter_system_prompt(adapter, default_prompt) else None
        self.tool_format = trained_tool_format(adapter)
        self.constrained = constrained
        self.max_string = project.settings.max_string_length if project is not None else MAX_STRING
        self.decoder = Decoder(self.engine.model, self.engine.tokenizer, self.engine.stop_ids, lean=weights)

    def prompt(self, messages: list[dict], tools: list[dict] | None) -> str:
        return render(messages, tools or None, system_prompt=self.system_prompt, add_generation_prompt=True,
                      tool_format=self.tool_format).text

    def grammar(self, tools: list[dict] | None, tool_choice: Any = "auto", parallel: bool = True,
                constrained: bool | None = None, messages: list[dict] = ()) -> str | None:
        """The constraint for a turn: always for none/required/a named tool; for auto when constrained.
        An email argument copies one of the conversation's `messages` where they hold any."""
        constrained = self.constrained if constrained is None else constrained
        _, mode = chosen_tools(tools or [], tool_choice)
        if mode == "auto" and not constrained:
            return None
        if mode == "none" and not tools:
            return None  # nothing to forbid
        return tool_grammar(tools or [], tool_choice, parallel, self.max_string, said_emails(messages))

    def stream(self, messages: list[dict], tools: list[dict] | None = None, tool_choice: Any = "auto",
               parallel: bool = True, max_tokens: int = 256, constrained: bool | None = None,
               stats: DecodeStats | None = None, cancel: threading.Event | None = None) -> Iterator[str]:
        """Raw text pieces as they are decoded; setting `cancel` (or closing the iterator) stops decoding."""
        grammar = self.grammar(tools, tool_choice, parallel, constrained, messages)
        with closing(self.decoder.stream(self.prompt(messages, tools), max_tokens, grammar, stats, cancel)) as steps:
            for step in steps:
                yield step.text

    def warm(self, tools: list[dict] | None) -> None:
        """Decode one token after a system turn with these tools: the next request reuses its KV
        cache (about 850 tokens for the Task API) and finds the grammar tokenizer built."""
        self.decoder.generate(self.prompt([{"role": "user", "content": "hi"}], tools), 1,
                              self.grammar(tools, "auto", True, True) if tools else None)

    def answer(self, messages: list[dict], tools: list[dict] | None = None, tool_choice: Any = "auto",
               parallel: bool = True, max_tokens: int = 256, constrained: bool | None = None,
               cancel: threading.Event | None = None) -> Answer:
        stats = DecodeStats()
        raw = "".join(self.stream(messages, tools, tool_choice, parallel, max_tokens, constrained, stats, cancel))
        return Answer(raw, parse(raw), stats)


class CallSplitter:
    """Splits streamed text into what is surely content and the tool-call part that follows.

    Content is released as soon as it cannot be the start of `<tool_call>`; from the first
    `<tool_call>` on, everything is held for parsing at the end.
    """

    def __init__(self):
        self.buffer = ""
        self.in_calls = False

    def feed(self, piece: str) -> str:
        if self.in_calls:
            self.buffer += piece
            return ""
        self.buffer += piece
        at = self.buffer.find(CALL_OPEN)
        if at >= 0:
            content, self.buffer = self.buffer[:at], self.buffer[at:]
            self.in_calls = True
            return content
        keep = 0  # hold back a tail that could still become "<tool_call>"
        for k in range(min(len(CALL_OPEN) - 1, len(self.buffer)), 0, -1):
            if CALL_OPEN.startswith(self.buffer[-k:]):
                keep = k
                break
        out, self.buffer = self.buffer[: len(self.buffer) - keep], self.buffer[len(self.buffer) - keep:]
        return out


class RemoteAssistant:
    """An OpenAI-compatible endpoint behind the same `stream` as a local model.

    Its structured answer is turned back into workbench-format text (content, then
    `<tool_call>` blocks) so that chat shows and parses local and remote answers the same way.
    """

    constrained = False

    def __init__(self, base_url: str, model: str, api_key: str = "not-needed", system_prompt: str = ""):
        import openai

        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", max_retries=2)
        self.name = f"{model} @ {base_url}"
        self.model = model
        self.system_prompt = system_prompt

    def stream(self, messages: list[dict], tools: list[dict] | None = None, tool_choice: Any = "auto",
               parallel: bool = True, max_tokens: int = 256, constrained: bool | None = None,
               stats: DecodeStats | None = None, cancel: threading.Event | None = None) -> Iterator[str]:
        from workbench.chat_format import format_call

        msgs = list(messages)
        if self.system_prompt and not (msgs and msgs[0].get("role") == "system"):
            msgs.insert(0, {"role": "system", "content": self.system_prompt})
        kwargs: dict[str, Any] = {"model": self.model, "messages": msgs, "max_tokens": max_tokens, "stream": True}
        if tools:
            kwargs.update(tools=tools, tool_choice=tool_choice, parallel_tool_calls=parallel)
        calls: dict[int, dict] = {}
        text = ""
        events = self.client.chat.completions.create(**kwargs)
        for ev in events:
            if cancel is not None and cancel.is_set():
                events.close()  # hang up: the endpoint stops generating for us
                if stats is not None:
                    stats.finish_reason = "cancelled"
                return
            if not ev.choices:
                continue
            if stats is not None and ev.choices[0].finish_reason:
                stats.finish_reason = ev.choices[0].finish_reason
            delta = ev.choices[0].delta
            if delta.content:
                text += delta.content
                yield delta.content
            for tc in delta.tool_calls or []:
                c = calls.setdefault(tc.index, {"name": "", "arguments": ""})
                if tc.function and tc.function.name:
                    c["name"] += tc.function.name
                if tc.function and tc.function.arguments:
                    c["arguments"] += tc.function.arguments
        if calls:
            yield ("\n" if text else "") + "\n".join(format_call(c["name"], c["arguments"])
                                                     for _, c in sorted(calls.items()))
