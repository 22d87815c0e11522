"""`workbench serve`: an OpenAI-compatible server for the base model or a run's adapter.

Starlette app, run by uvicorn, bound to 127.0.0.1 unless told otherwise. Generation is
blocking and serialised by the decoder's lock, so it runs in the thread pool; a streaming
answer is produced by a thread and handed to the event loop piece by piece. Every error
becomes an OpenAI-shaped body; no request can take the server down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from workbench.assistant import Assistant, CallSplitter
from workbench.chat_format import parse
from workbench.decode import DecodeStats
from workbench.serve.protocol import APIError, ChatRequest, chunk, completion, new_id, parse_request, tool_calls_payload

log = logging.getLogger("workbench.serve")


def _error(exc: APIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


MAX_WAITING = 8  # requests queued behind the one decoding; more get 503 with Retry-After
DISCONNECT_POLL_S = 0.1


class Admission:
    """Counts the requests holding or waiting for the model (the event loop's thread only)."""

    def __init__(self, max_waiting: int):
        self.max_waiting = max_waiting
        self.active = 0

    def check(self) -> None:
        if self.active > self.max_waiting:
            raise APIError(503, f"the server is busy: {self.active} requests are decoding or queued; retry shortly",
                           None, "server_error", "overloaded", headers={"Retry-After": "1"})


def build_app(assistant: Assistant, model_id: str, api_key: str | None = None, aliases: tuple[str, ...] = (),
              max_waiting: int = MAX_WAITING) -> Starlette:
    names = {model_id, *aliases}
    created = int(time.time())
    admission = Admission(max_waiting)

    def check_auth(request: Request) -> None:
        if api_key is None:
            return
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {api_key}".encode()):
            raise APIError(401, "Incorrect API key provided.", None, "invalid_request_error", "invalid_api_key")

    async def models(request: Request):
        try:
            check_auth(request)
        except APIError as exc:
            return _error(exc)
        return JSONResponse({"object": "list", "data": [
            {"id": model_id, "object": "model", "created": created, "owned_by": "workbench"}]})

    async def chat_completions(request: Request):
        try:
            check_auth(request)
            try:
                body = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise APIError(400, f"the request body is not valid JSON: {exc}", None) from None
            req = parse_request(body)
            if req.model not in names:
                raise APIError(404, f"The model '{req.model}' does not exist; this server has '{model_id}'.",
                               "model", "invalid_request_error", "model_not_found")
            admission.check()
            if req.stream:
                return StreamingResponse(_sse(assistant, req, model_id, request, admission),
                                         media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
            cancel = threading.Event()
            admission.active += 1
            try:
                work = asyncio.ensure_future(asyncio.to_thread(
                    assistant.answer, req.messages, req.tools, req.tool_choice, req.parallel_tool_calls,
                    req.max_tokens, cancel=cancel))
                while not work.done():
                    await asyncio.wait([work], timeout=DISCONNECT_POLL_S)
                    if not work.done() and await request.is_disconnected():
                        cancel.set()  # nobody will read the answer: free the model now
                answer = await work
            finally:
                admission.active -= 1
            return JSONResponse(completion(new_id(), model_id, answer.parsed, answer.finish_reason, answer.usage(),
                                           answer.raw))
        except APIError as exc:
            return _error(exc)
        except Exception as exc:  # noqa: BLE001 - one bad request must never take the server down
            log.exception("request failed")
            return _error(APIError(500, f"internal error: {type(exc).__name__}: {exc}", None, "server_error"))

    async def health(_request: Request):
        # `active`: requests decoding or waiting for the model (a client that hung up leaves it at once).
        return JSONResponse({"status": "ok", "model": model_id, "active": admission.active,
                             "max_waiting": admission.max_waiting})

    return Starlette(routes=[
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ])


async def _sse(assistant: Assistant, req: ChatRequest, model_id: str, request: Request, admission: Admission):
    """Server-sent events: content deltas as decoded, tool calls once complete, then [DONE].

    A client that hangs up cancels its decoding (checked every 0.1 s while waiting for a piece),
    whether it was decoding or still queued behind another request."""
    admission.active += 1
    cancel = threading.Event()
    try:
        async for event in _sse_events(assistant, req, model_id, request, cancel):
            yield event
    finally:
        cancel.set()
        admission.active -= 1


async def _sse_events(assistant: Assistant, req: ChatRequest, model_id: str, request: Request,
                      cancel: threading.Event):
    rid = new_id()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    stats = DecodeStats()
    done = object()

    def produce() -> None:
        try:
            for piece in assistant.stream(req.messages, req.tools, req.tool_choice, req.parallel_tool_calls,
                                          req.max_tokens, stats=stats, cancel=cancel):
                loop.call_soon_threadsafe(queue.put_nowait, piece)
        except Exception as exc:  # noqa: BLE001 - reported in the stream
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        loop.call_soon_threadsafe(queue.put_nowait, done)

    def event(payload: dict) -> str:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    threading.Thread(target=produce, daemon=True, name="serve-stream").start()
    yield event(chunk(rid, model_id, {"role": "assistant", "content": ""}))
    splitter = CallSplitter()
    raw = ""
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), DISCONNECT_POLL_S)
        except asyncio.TimeoutError:
            if await request.is_disconnected():
                return
            continue
        if item is done:
            break
        if isinstance(item, Exception):
            yield event(APIError(500, f"generation failed: {item}", None, "server_error").body())
            yield "data: [DONE]\n\n"
            return
        raw += item
        content = splitter.feed(item)
        if content:
            yield event(chunk(rid, model_id, {"content": content}))
    tail = splitter.buffer
    parsed = parse(tail) if splitter.in_calls else None
    if not splitter.in_calls and tail:
        yield event(chunk(rid, model_id, {"content": tail}))
    finish = stats.finish_reason
    if parsed is not None and parsed.tool_calls:
        for i, call in enumerate(tool_calls_payload(parsed, rid)):
            yield event(chunk(rid, model_id, {"tool_calls": [{"index": i, **call}]}))
        finish = "tool_calls"
    elif parsed is not None and tail:  # a broken call: hand it back as text rather than lose it
        yield event(chunk(rid, model_id, {"content": tail}))
    yield event(chunk(rid, model_id, {}, finish))
    if req.include_usage:
        yield event(chunk(rid, model_id, {}, usage={"prompt_tokens": stats.prompt_tokens,
                                                    "completion_tokens": stats.new_tokens,
                                                    "total_tokens": stats.prompt_tokens + stats.new_tokens}))
    yield "data: [DONE]\n\n"


def serve(assistant: Assistant, model_id: str, host: str = "127.0.0.1", port: int = 8000,
          api_key: str | None = None, aliases: tuple[str, ...] = (), max_waiting: int = MAX_WAITING) -> None:
    import uvicorn

    app = build_app(assistant, model_id, api_key, aliases, max_waiting)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


class BackgroundServer:
    """The server on a thread of this process (tests, benchmarks, the Chat screen's endpoint mode)."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                    access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="workbench-serve")

    def start(self, timeout: float = 30.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
