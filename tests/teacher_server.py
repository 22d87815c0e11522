"""A scripted teacher: a real OpenAI-compatible HTTP server on loopback for the teacher tests.

It answers `/v1/chat/completions` the way a hosted model would (status codes, JSON bodies,
usage), but with scripted content, so the tests exercise the real `openai` client, real
HTTP, retries after a 429 and a 500, a reply that is not JSON, and bad examples that
verification must reject. It knows the Task API tools only.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedTeacher:
    def __init__(self, fail_first: tuple[int, ...] = (429, 500), garbage_once: bool = True):
        self.fail_first = list(fail_first)
        self.garbage_once = garbage_once
        self.requests: list[dict] = []
        self.auth: list[str] = []
        self.counter = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # -- what the teacher writes
    def _examples(self, category: str, k: int) -> list[dict]:
        out = []
        for i in range(k):
            with self.lock:
                self.counter += 1
                n = self.counter
            if category == "no_tool":
                msgs = [{"role": "user", "content": f"Tell me fun fact number {n}"},
                        {"role": "assistant", "content": "Honey never spoils."}]
            elif category == "clarify":
                msgs = [{"role": "user", "content": f"Add a task please ({n})"},
                        {"role": "assistant", "content": "What should the task be called?"}]
            # Which examples are bad depends on their place in the reply, not on the order in
            # which concurrent requests were answered: the counts stay the same every run.
            elif i == 1:  # a tool the project does not have: format must reject it
                msgs = [{"role": "user", "content": f"Archive task_{n}"},
                        {"role": "assistant", "content": None, "tool_calls": [
                            {"id": "call_1", "type": "function",
                             "function": {"name": "archive_task", "arguments": json.dumps({"task_id": f"task_{n}"})}}]}]
            elif i == 3:  # valid JSON, but the stub says the task does not exist: execution must reject it
                msgs = [{"role": "user", "content": f"Mark task_{900 + n} as done"},
                        {"role": "assistant", "content": None, "tool_calls": [
                            {"id": "call_1", "type": "function",
                             "function": {"name": "complete_task", "arguments": {"task_id": f"task_{900 + n}"}}}]},
                        {"role": "tool", "tool_call_id": "call_1", "content": "{\"ok\": true}"},
                        {"role": "assistant", "content": "Done."}]
            else:
                msgs = [{"role": "user", "content": f"Add a task to water fern number {n}"},
                        {"role": "assistant", "content": None, "tool_calls": [
                            {"id": "call_1", "type": "function",
                             "function": {"name": "create_task", "arguments": json.dumps({"title": f"Water fern {n}"})}}]},
                        {"role": "tool", "tool_call_id": "call_1", "content": "{\"task_id\": \"task_43\"}"},
                        {"role": "assistant", "content": f"Added \"Water fern {n}\"."}]
            out.append({"messages": msgs})
        return out

    def _answer(self, body: dict) -> tuple[int, dict, dict]:
        with self.lock:
            if self.fail_first:
                code = self.fail_first.pop(0)
                return code, {"error": {"message": "slow down" if code == 429 else "boom", "type": "server_error",
                                        "code": None}}, {"retry-after-ms": "10"}
        system = body["messages"][0]["content"]
        user = body["messages"][-1]["content"]
        if system.startswith("You check"):
            ok = "fern" in user
            content = json.dumps({"ok": ok, "reason": "" if ok else "the call does not match the request"})
        else:
            with self.lock:
                garbage, self.garbage_once = self.garbage_once, False
            if garbage:
                content = "Sure! Here are some examples: ..."
            else:
                m = re.match(r"Write (\d+) examples of this kind: (.*?)\.", user)
                k = int(m.group(1))
                category = next(c for c, brief in BRIEF_WORDS.items() if brief in m.group(2))
                content = "```json\n" + json.dumps({"examples": self._examples(category, k)}) + "\n```"
        return 200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}}],
                     "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}, {}

    def _handler(self):
        teacher = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                teacher.requests.append(body)
                teacher.auth.append(self.headers.get("Authorization", ""))
                code, payload, headers = teacher._answer(body)
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler


BRIEF_WORDS = {"single": "exactly one tool call", "parallel": "two independent things", "multi_step": "reads the tool",
               "error_recovery": "returns {\"error\"", "clarify": "a required argument is missing",
               "no_tool": "chit-chat"}
