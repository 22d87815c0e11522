"""The teacher generator: examples written by a model behind any OpenAI-compatible endpoint.

OpenAI, vLLM, Ollama, llama.cpp's server or `workbench serve` all speak the same API, so
one `openai.AsyncOpenAI` client covers them. Requests run concurrently under a limit; the
client retries rate limits and server errors with exponential backoff, and an answer that
is not the JSON asked for is asked again. Tokens are counted from each response's usage.

The endpoint and model come from the project's `[teacher]` settings or the environment;
the key only ever comes from the environment (the variable the settings name).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.dates import calendar
from workbench.examples import Example, make_example
from workbench.generate.spec import GenerateSpec, apportion

PER_REQUEST = 5  # examples asked for in one request: fewer round trips, still short answers

CATEGORY_BRIEFS = {
    "single": "the user asks for one thing; the assistant makes exactly one tool call with every argument the "
              "request gives, then answers from the tool result",
    "parallel": "the user asks for two independent things at once; the assistant makes two tool calls in the "
                "same assistant turn",
    "multi_step": "the assistant calls a tool, reads the tool result, then makes the next call that depends on it, "
                  "then answers",
    "error_recovery": "a tool call returns {\"error\": ...}; the assistant corrects the call or explains the problem",
    "clarify": "a required argument is missing from the request; the assistant asks for it and makes no call",
    "no_tool": "chit-chat, or a request no tool can serve; the assistant answers in text and makes no call",
}

SYSTEM = """You write training data for fine-tuning a small model to call tools.
Reply with one JSON object and nothing else: {{"examples": [{{"messages": [...]}}, ...]}}.
Messages follow the OpenAI chat format: user messages; assistant messages with "content" and optionally
"tool_calls" ([{{"id": "call_1", "type": "function", "function": {{"name": ..., "arguments": "<JSON string>"}}}}]);
tool messages {{"role": "tool", "tool_call_id": ..., "content": "<JSON result>"}} after each call.
Arguments must satisfy the tool's JSON Schema exactly. Resolve relative dates with this calendar:
{calendar}
Vary the wording: casual, terse, polite, with typos, long and short. Do not repeat requests.

Tools:
{tools}"""

USER = """Write {k} examples of this kind: {brief}.{tools_hint}"""


class TeacherError(Exception):
    """The teacher endpoint is not configured or cannot be used; the message says what to set."""


@dataclass
class TeacherConfig:
    base_url: str
    model: str
    api_key: str

    @classmethod
    def from_settings(cls, teacher_settings, env: dict | None = None) -> "TeacherConfig":
        env = os.environ if env is None else env
        base_url = teacher_settings.base_url or env.get("WORKBENCH_TEACHER_URL") or env.get("OPENAI_BASE_URL", "")
        model = teacher_settings.model or env.get("WORKBENCH_TEACHER_MODEL", "")
        key = env.get(teacher_settings.api_key_env or "OPENAI_API_KEY", "")
        if not model:
            raise TeacherError("no teacher model: set [teacher] model in workbench.toml or WORKBENCH_TEACHER_MODEL")
        if not base_url and not key:
            raise TeacherError("no teacher endpoint: set [teacher] base_url in workbench.toml or OPENAI_BASE_URL, "
                               f"and the key in ${teacher_settings.api_key_env}")
        # Local servers (vLLM, llama.cpp) ignore the key, but the client insists on one.
        return cls(base_url or "https://api.openai.com/v1", model, key or "not-needed")


@dataclass
class TeacherStats:
    requests: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: list[str] = field(default_factory=list)


def _json_object(text: str) -> dict:
    """The JSON object in a reply, tolerating a Markdown fence around it."""
    text = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.S)
    if fence:
        text = fence.group(1)
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the reply is JSON but not an object")
    return data


def _normalise(messages: list) -> list:
    """Arguments given as objects become JSON strings (a common teacher slip that changes nothing)."""
    for m in messages:
        if isinstance(m, dict):
            for c in m.get("tool_calls") or []:
                fn = c.get("function") if isinstance(c, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), dict):
                    fn["arguments"] = json.dumps(fn["arguments"])
                if isinstance(c, dict):
                    c.setdefault("type", "function")
    return messages


class TeacherGenerator:
    def __init__(self, config: TeacherConfig, tools: list[dict], today: str, max_retries: int = 4,
                 timeout: float = 120.0):
        import openai

        self.config = config
        self.tools = tools
        self.today = today
        self.stats = TeacherStats()
        self.max_format_retries = 2
        self._judge_client = None
        self.client = openai.AsyncOpenAI(base_url=config.base_url, api_key=config.api_key, max_retries=max_retries,
                                         timeout=timeout)

    async def _ask(self, system: str, user: str) -> dict:
        import openai

        last: Exception | None = None
        for attempt in range(self.max_format_retries + 1):
            try:
                resp = await self.client.chat.completions.create(
                    model=self.config.model, temperature=0.9,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
            except openai.APIError as exc:
                raise TeacherError(f"{self.config.base_url}: {exc}") from exc
            self.stats.requests += 1
            if resp.usage is not None:
                self.stats.prompt_tokens += resp.usage.prompt_tokens or 0
                self.stats.completion_tokens += resp.usage.completion_tokens or 0
            try:
                return _json_object(resp.choices[0].message.content or "")
            except (ValueError, IndexError) as exc:
                last = exc
                if attempt < self.max_format_retries:
                    self.stats.retries += 1
        raise TeacherError(f"the teacher did not answer with the JSON asked for: {last}")

    async def _job(self, sem: asyncio.Semaphore, category: str, k: int, tool_names: list[str] | None,
                   out: list[Example], progress, total: int) -> None:
        system = SYSTEM.format(calendar=calendar(_dt.date.fromisoformat(self.today)), tools=json.dumps(self.tools, indent=1))
        hint = f" Use only these tools: {', '.join(tool_names)}." if tool_names else ""
        user = USER.format(k=k, brief=CATEGORY_BRIEFS[category], tools_hint=hint)
        async with sem:
            try:
                data = await self._ask(system, user)
            except TeacherError as exc:
                self.stats.failures.append(f"{category}: {exc}")
                return
        items = data.get("examples")
        if not isinstance(items, list):
            self.stats.failures.append(f"{category}: the reply has no 'examples' list")
            return
        for item in items[:k]:
            messages = item.get("messages") if isinstance(item, dict) else None
            if not isinstance(messages, list):
                self.stats.failures.append(f"{category}: an example without a 'messages' list")
                continue
            ex = make_example(_normalise(messages), self.tools, category=category, source="teacher")
            ex.meta["teacher"] = self.config.model
            out.append(ex)
        if progress:
            progress(len(out), total)

    async def agenerate(self, spec: GenerateSpec, progress: Callable[[int, int], None] | None = None) -> list[Example]:
        jobs = []
        for category, count in apportion(spec.n, spec.mix).items():
            while count > 0:
                k = min(PER_REQUEST, count)
                jobs.append((category, k))
                count -= k
        sem = asyncio.Semaphore(spec.concurrency)
        out: list[Example] = []
        await asyncio.gather(*(self._job(sem, c, k, spec.tools, out, progress, spec.n) for c, k in jobs))
        await self.client.close()
        return out

    def generate(self, spec: GenerateSpec, progress: Callable[[int, int], None] | None = None) -> list[Example]:
        return asyncio.run(self.agenerate(spec, progress))

    # -- the semantic check
    def judge(self, example: Example) -> tuple[bool, str]:
        """Does each call answer the request? Synchronous: verification runs example by example."""
        import openai

        convo = json.dumps(example.messages, ensure_ascii=False)[:6000]
        if self._judge_client is None:
            self._judge_client = openai.OpenAI(base_url=self.config.base_url, api_key=self.config.api_key,
                                               max_retries=4)
        resp = self._judge_client.chat.completions.create(
            model=self.config.model, temperature=0.0,
            messages=[{"role": "system", "content": "You check tool-calling training examples. Reply with JSON: "
                                                    "{\"ok\": true|false, \"reason\": \"...\"}."},
                      {"role": "user", "content": "Tools:\n" + json.dumps(self.tools) + "\n\nConversation:\n" + convo +
                       "\n\nDoes every assistant turn do what the user asked, with the right tool and arguments "
                       "taken from the request (or rightly no call)?"}])
        if resp.usage is not None:
            self.stats.prompt_tokens += resp.usage.prompt_tokens or 0
            self.stats.completion_tokens += resp.usage.completion_tokens or 0
        verdict = _json_object(resp.choices[0].message.content or "")
        return bool(verdict.get("ok")), str(verdict.get("reason", ""))[:300]
