"""`workbench serve` driven by the real `openai` client and the OpenAI Agents SDK, on loopback."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import openai
import pytest

import sample_tools
from workbench.assistant import Assistant
from workbench.chat_format import parse
from workbench.project import Settings, init_project
from workbench.serve import BackgroundServer, build_app

KEY = "sk-local-test"
MODEL = "wb-base"


@pytest.fixture(scope="module")
def assistant(model_cache, tmp_path_factory):
    ts = sample_tools.get_toolset("task_api")
    project = init_project(tmp_path_factory.mktemp("serve") / "p", settings=Settings(name="s", today="2026-03-02"),
                           template=ts.folder)
    return Assistant("base", project)


@pytest.fixture(scope="module")
def server(assistant):
    bg = BackgroundServer(build_app(assistant, MODEL, api_key=KEY, aliases=("base",)))
    url = bg.start()
    yield url, sample_tools.get_toolset("task_api").tools
    bg.stop()


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server[0], api_key=KEY, max_retries=0)


def _valid(call, tools) -> bool:
    from workbench.schema_check import build_checker

    tool = next(t for t in tools if t["function"]["name"] == call.function.name)
    problems: list = []
    build_checker(tool["function"]["parameters"])(json.loads(call.function.arguments), "", problems)
    return not problems


ASK = [{"role": "user", "content": "Mark task_12 as done"}]


def _post(url: str, body: bytes) -> tuple[int, str, str | None]:
    """A raw POST (bodies the openai client would never send): status, error type, error param."""
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"Bearer {KEY}",
                                                          "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as exc:
        err = json.loads(exc.read())["error"]
        return exc.code, err["type"], err["param"]
    return 200, "", None


def test_models_and_tool_choice_variants(server, client):
    url, tools = server
    assert [m.id for m in client.models.list().data] == [MODEL]

    required = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="required",
                                              max_tokens=60)
    choice = required.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    for call in choice.message.tool_calls:
        assert isinstance(call.function.arguments, str) and _valid(call, tools)
    assert required.usage.prompt_tokens > 500 and required.usage.completion_tokens > 0

    named = client.chat.completions.create(model="base", messages=ASK, tools=tools, max_tokens=60,
                                           tool_choice={"type": "function", "function": {"name": "delete_task"}})
    calls = named.choices[0].message.tool_calls
    assert calls and {c.function.name for c in calls} == {"delete_task"} and all(_valid(c, tools) for c in calls)

    single = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="required",
                                            parallel_tool_calls=False, max_tokens=60)
    assert len(single.choices[0].message.tool_calls) == 1

    # A call cut off by max_tokens is handed back as the text it is, never as an empty answer.
    cut = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="required",
                                         max_tokens=6).choices[0]
    assert cut.finish_reason == "length" and cut.message.tool_calls is None
    assert cut.message.content and cut.message.content.startswith("<tool_call>")

    none = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="none", max_tokens=24)
    assert none.choices[0].message.tool_calls is None and none.choices[0].message.content
    assert "<tool_call>" not in none.choices[0].message.content

    auto = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, max_tokens=60)
    msg = auto.choices[0].message
    assert all(_valid(c, tools) for c in msg.tool_calls or [])  # constrained: any call is valid JSON for its tool


def test_streaming_content_and_tool_calls(server, client):
    _, tools = server
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Say hello"}],
                                            max_tokens=20, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 3 and text.strip()
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    calls_stream = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="required",
                                                  max_tokens=60, stream=True)
    deltas = [c.choices[0] for c in calls_stream if c.choices]
    tool_deltas = [tc for d in deltas for tc in d.delta.tool_calls or []]
    assert tool_deltas and deltas[-1].finish_reason == "tool_calls"
    assert all(json.loads(tc.function.arguments) is not None for tc in tool_deltas)


def test_bad_requests_get_openai_errors_and_the_server_survives(server, client):
    url, tools = server
    with pytest.raises(openai.AuthenticationError) as e:
        openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
    assert e.value.status_code == 401
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-9", messages=ASK)
    assert e.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=MODEL, messages=ASK, tools=tools,
                                       tool_choice={"type": "function", "function": {"name": "fly"}})
    assert e.value.body["param"] == "tool_choice" and "fly" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=MODEL, messages=[{"role": "wizard", "content": "hi"}])
    assert e.value.body["param"] == "messages[0].role"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=MODEL, messages=ASK, tool_choice="required")
    assert e.value.body["param"] == "tool_choice"
    assert _post(f"{url}/chat/completions", b"{not json") == (400, "invalid_request_error", None)
    assert _post(f"{url}/chat/completions", json.dumps({"model": MODEL, "messages": []}).encode()) == (
        400, "invalid_request_error", "messages")
    # still serving
    ok = client.chat.completions.create(model=MODEL, messages=ASK, max_tokens=4)
    assert ok.choices[0].finish_reason in ("stop", "length")


def test_an_openai_agents_sdk_agent_runs_against_the_server(server):
    agents = pytest.importorskip("agents")
    url, _ = server
    agents.set_tracing_disabled(True)
    called: list[str] = []

    @agents.function_tool
    def complete_task(task_id: str) -> str:
        """Mark a task as done.

        Args:
            task_id: Id of the task, like task_42.
        """
        called.append(task_id)
        return json.dumps({"task_id": task_id, "status": "done"})

    model = agents.OpenAIChatCompletionsModel(model=MODEL, openai_client=openai.AsyncOpenAI(base_url=url, api_key=KEY))
    # The base model does not know when to stop calling, so the agent stops at its first tool result.
    agent = agents.Agent(name="tasks", instructions="You manage tasks.", tools=[complete_task], model=model,
                         model_settings=agents.ModelSettings(tool_choice="required", max_tokens=48),
                         tool_use_behavior="stop_on_first_tool")
    result = asyncio.run(agents.Runner.run(agent, "Mark task_12 as done", max_turns=3))
    assert len(called) == 1  # the agent called our function tool, with arguments the server produced
    assert json.loads(result.final_output) == {"task_id": called[0], "status": "done"}


def test_served_answers_parse_like_the_chat_format(server, client):
    _, tools = server
    r = client.chat.completions.create(model=MODEL, messages=ASK, tools=tools, tool_choice="required", max_tokens=60)
    call = r.choices[0].message.tool_calls[0]
    text = f'<tool_call>\n{{"name": "{call.function.name}", "arguments": {call.function.arguments}}}\n</tool_call>'
    assert parse(text).tool_calls[0].arguments == json.loads(call.function.arguments)


def test_workbench_serve_command_binds_loopback(tmp_path, model_cache):
    import socket
    import subprocess
    import sys
    import time

    ts = sample_tools.get_toolset("task_api")
    project = init_project(tmp_path / "p", settings=Settings(name="cli"), template=ts.folder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", str(project.root), "--port", str(port),
                             "--api-key", KEY], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
        deadline = time.monotonic() + 120
        while True:
            try:
                assert [m.id for m in client.models.list().data] == ["base"]
                break
            except openai.APIConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else ""
                time.sleep(0.3)
        assert _listening_addresses(port) == {"127.0.0.1"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _listening_addresses(port: int) -> set[str]:
    """IPv4 addresses listening on `port`, from /proc/net/tcp (state 0A is LISTEN)."""
    out = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if state == "0A" and int(p, 16) == port:
            out.add(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return out


def test_chat_endpoint_mode_talks_to_an_openai_compatible_server(server):
    """RemoteAssistant (the Chat screen's endpoint model) against the real server: text, then a tool call."""
    from workbench.assistant import RemoteAssistant

    url, tools = server
    remote = RemoteAssistant(url, MODEL, KEY, system_prompt="You manage tasks.")
    text = "".join(remote.stream([{"role": "user", "content": "Say hi"}], max_tokens=8))
    assert text and "<tool_call>" not in text
    raw = "".join(remote.stream(ASK, tools, "required", max_tokens=60))
    calls = parse(raw).tool_calls
    assert calls and calls[0].arguments is not None and calls[0].name in {t["function"]["name"] for t in tools}


def test_warm_up_leaves_the_system_turn_cached_for_the_first_request(model_cache, tmp_path):
    ts = sample_tools.get_toolset("task_api")
    project = init_project(tmp_path / "p", ts.tools, settings=Settings(name="w", today="2026-03-02"))
    assistant = Assistant("base", project)
    assistant.warm(ts.tools)
    answer = assistant.answer(ASK, ts.tools, tool_choice="required")
    # Only the user turn ("Mark task_12 as done" and the turn markers) is new.
    assert answer.stats.prompt_tokens - answer.stats.reused_tokens < 20
    assert answer.stats.prompt_tokens > 500


RAMBLE = [{"role": "user", "content": "Write a very long story about a lighthouse keeper, in many chapters."}]


def _model_free_soon(assistant, seconds: float = 15.0) -> bool:
    """True once nobody holds the decoder: a gone client's decoding has stopped.

    Without cancellation the base model rambles on to max_tokens (2,000 tokens: minutes here)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not assistant.decoder.lock.locked():
            return True
        time.sleep(0.05)
    return False


def test_a_client_that_hangs_up_stops_its_decoding(server, assistant, client):
    import httpx2 as httpx

    stream = client.chat.completions.create(model=MODEL, messages=RAMBLE, max_tokens=2000, stream=True,
                                            tool_choice="none", tools=server[1])
    got = [c for _, c in zip(range(3), stream)]
    assert got and assistant.decoder.lock.locked()  # it is decoding for us
    stream.close()
    assert _model_free_soon(assistant), "a streaming client went away and the server kept decoding"

    impatient = openai.OpenAI(base_url=server[0], api_key=KEY, max_retries=0, timeout=httpx.Timeout(1.5))
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model=MODEL, messages=RAMBLE, max_tokens=2000, tool_choice="none",
                                          tools=server[1])
    assert _model_free_soon(assistant), "a non-streaming client went away and the server kept decoding"
    # And the next caller is served.
    answer = client.chat.completions.create(model=MODEL, messages=ASK, tools=server[1], tool_choice="required")
    assert answer.choices[0].message.tool_calls


def test_a_full_queue_answers_503_with_retry_after(assistant):
    bg = BackgroundServer(build_app(assistant, MODEL, api_key=KEY, max_waiting=0))
    url = bg.start()
    try:
        client = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0)
        holder = client.chat.completions.create(model=MODEL, messages=RAMBLE, max_tokens=2000, stream=True,
                                                tool_choice="none", tools=[])
        next(iter(holder))  # decoding for the first client
        with pytest.raises(openai.APIStatusError) as err:
            client.chat.completions.create(model=MODEL, messages=ASK)
        assert err.value.status_code == 503 and err.value.response.headers["retry-after"] == "1"
        assert "busy" in err.value.message
        holder.close()
        assert _model_free_soon(assistant)
        assert client.chat.completions.create(model=MODEL, messages=ASK, max_tokens=8).choices
    finally:
        bg.stop()
