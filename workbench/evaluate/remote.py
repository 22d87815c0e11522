"""A model behind an OpenAI-compatible endpoint as the thing evaluated: a hosted model, vLLM,
Ollama, or `workbench serve` itself, so the base, the tuned and the hosted model sit in one table.

`--model endpoint` takes the project's `[teacher]` settings (the same endpoint generation uses);
`--model URL` any server (`http://127.0.0.1:8000/v1`; the model is the first it lists, or the one
after a `#`: `https://api.openai.com/v1#gpt-4o-mini`). The key comes only from the environment
(the variable `[teacher] api_key_env` names, default `OPENAI_API_KEY`) and is never written to
the project or the report.

Requests run concurrently under a limit, greedily (temperature 0), with the case's conversation,
the project's system prompt and the case's tools; the `openai` client retries rate limits, server
errors and dropped connections with exponential backoff. Each answer's content and tool calls are
written back as workbench-format text (`format_call`), so the scorer and BFCL's checker read a
remote answer exactly as they read a local one. Tokens are counted from each response's usage.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

from workbench.chat_format import format_call


def is_remote(model_ref: str) -> bool:
    return model_ref == "endpoint" or model_ref.startswith(("http://", "https://"))


@dataclass
class Endpoint:
    base_url: str
    model: str
    api_key: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.model} @ {self.base_url}"

    @classmethod
    def resolve(cls, model_ref: str, project, env: dict | None = None) -> "Endpoint":
        from workbench.evaluate.model_eval import EvalError
        from workbench.generate.teacher import TeacherConfig, TeacherError

        env = os.environ if env is None else env
        teacher = project.settings.teacher
        if model_ref == "endpoint":
            try:
                t = TeacherConfig.from_settings(teacher, env)
            except TeacherError as exc:
                raise EvalError(str(exc)) from None
            return cls(t.base_url, t.model, t.api_key)
        url, _, model = model_ref.partition("#")
        key = env.get(teacher.api_key_env or "OPENAI_API_KEY", "") or "not-needed"
        if not model:
            import openai

            try:
                models = openai.OpenAI(base_url=url, api_key=key, max_retries=2, timeout=30).models.list().data
            except openai.OpenAIError as exc:
                raise EvalError(f"{url}: cannot list its models ({exc}); name one as {url}#MODEL") from None
            if not models:
                raise EvalError(f"{url}: serves no model; name one as {url}#MODEL")
            model = models[0].id
        return cls(url.rstrip("/"), model, key)


def with_system(messages: list[dict], system_prompt: str) -> list[dict]:
    """The conversation as sent: the project's system prompt first, unless it brings its own."""
    if not system_prompt or (messages and messages[0].get("role") == "system"):
        return list(messages)
    return [{"role": "system", "content": system_prompt}, *messages]


@dataclass
class RemoteStats:
    """What the evaluation reads of a decode (the fields it shares with `workbench.decode.DecodeStats`)."""
    seconds: float = 0.0
    new_tokens: int = 0
    prompt_tokens: int = 0
    finish_reason: str = "stop"


def as_text(message) -> str:
    """An OpenAI assistant message as the workbench writes it: content, then `<tool_call>` blocks."""
    calls = [format_call(c.function.name, c.function.arguments) for c in message.tool_calls or []]
    text = message.content or ""
    return text + ("\n" if text and calls else "") + "\n".join(calls)


def decode_remote(endpoint: Endpoint, conversations: list[list[dict]], tools: list[list[dict] | None],
                  budgets: list[int], system_prompt: str, concurrency: int = 4, max_retries: int = 4,
                  timeout: float = 120.0, progress=None, cancel=None) -> tuple[list, float, dict]:
    """Each conversation's next assistant turn from the endpoint: ([(text, RemoteStats)], seconds,
    {"prompt_tokens", "completion_tokens", "requests"}). `progress(done, total, eta_s)` after each;
    a set `cancel` stops sending and raises `EvalCancelled`."""
    return asyncio.run(_decode(endpoint, conversations, tools, budgets, system_prompt, concurrency, max_retries,
                               timeout, progress, cancel))


async def _decode(endpoint, conversations, tools, budgets, system_prompt, concurrency, max_retries, timeout,
                  progress, cancel):
    import openai

    from workbench.evaluate.model_eval import EvalCancelled, EvalError

    client = openai.AsyncOpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key, max_retries=max_retries,
                                timeout=timeout)
    gate = asyncio.Semaphore(max(1, concurrency))
    started = time.monotonic()
    done = 0
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "requests": 0}

    async def one(messages: list[dict], case_tools: list[dict] | None, budget: int):
        nonlocal done
        async with gate:
            if cancel is not None and cancel.is_set():
                return None
            kwargs = {"model": endpoint.model, "messages": with_system(messages, system_prompt), "max_tokens": budget,
                      "temperature": 0}
            if case_tools:
                kwargs["tools"] = case_tools
            t0 = time.monotonic()
            try:
                reply = await client.chat.completions.create(**kwargs)
            except openai.OpenAIError as exc:
                raise EvalError(f"{endpoint.label}: {exc}") from None
            choice = reply.choices[0]
            stats = RemoteStats(time.monotonic() - t0, finish_reason=choice.finish_reason or "stop")
            if reply.usage is not None:
                stats.new_tokens, stats.prompt_tokens = reply.usage.completion_tokens, reply.usage.prompt_tokens
                usage["prompt_tokens"] += stats.prompt_tokens
                usage["completion_tokens"] += stats.new_tokens
            usage["requests"] += 1
            done += 1
            if progress:
                elapsed = time.monotonic() - started
                progress(done, len(conversations), elapsed / done * (len(conversations) - done))
            return as_text(choice.message), stats

    try:
        results = await asyncio.gather(*(one(m, t, b) for m, t, b in zip(conversations, tools, budgets)))
    finally:
        await client.close()
    if cancel is not None and cancel.is_set():
        raise EvalCancelled(f"evaluation of {endpoint.label} stopped after {done} of {len(conversations)} cases; "
                            "nothing saved")
    return results, time.monotonic() - started, usage
