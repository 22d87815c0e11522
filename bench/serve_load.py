"""Abuse `workbench serve` on loopback, then check that a normal request is still served at idle speed.

In one run, against the real `workbench serve` process (the base model, the Task API tools):

1. idle: the latency of a normal tool-call request (median of 5), with the real `openai` client;
2. 200 streaming requests whose clients hang up after their first content token, 8 at a time (each
   is admitted: the server queues 8 behind the one decoding); then 100 at once, where the ones that
   find the queue full get 503 with Retry-After, and are counted;
3. 1,000 malformed bodies (bad JSON, wrong types, unknown fields, huge max_tokens), 50 at a time;
4. after: the same normal request, its latency against idle, and `/health`'s count of requests
   still decoding or queued (it must be 0: no decode work is held for clients that went away).

Goal (issue 14): the request after the storm answers within 2x its idle latency.

    .venv/bin/python bench/serve_load.py [--streams 200] [--malformed 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ASK = [{"role": "user", "content": "Mark task_12 as done"}]
STORY = [{"role": "user", "content": "Write a very long story about a lighthouse keeper."}]
MALFORMED = [b"{not json", b"[]", b'{"model": "base"}', b'{"model": "base", "messages": "hi"}',
             b'{"model": "base", "messages": [{"role": "wizard", "content": "x"}]}',
             b'{"model": "base", "messages": [{"role": "user", "content": "x"}], "max_tokens": -5}',
             b'{"model": "base", "messages": [{"role": "user", "content": "x"}], "tools": "all"}',
             b'{"model": "base", "messages": [{"role": "user", "content": "x"}], "tool_choice": {"x": 1}}',
             b'\xff\xfe\x00garbage', b'{"model": "nope", "messages": [{"role": "user", "content": "x"}]}']


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--malformed", type=int, default=1000)
    args = ap.parse_args()
    import httpx2 as httpx
    import openai

    import sample_tools
    from workbench.project import Settings, init_project

    tools = sample_tools.get_toolset("task_api").tools
    home = Path(tempfile.mkdtemp(prefix="serve-load-"))
    project = init_project(home / "p", tools, settings=Settings(name="load", today="2026-03-02"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", str(project.root), "--model", "base",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)

        def normal() -> float:
            t0 = time.perf_counter()
            r = client.chat.completions.create(model="base", messages=ASK, tools=tools, tool_choice="required",
                                               max_tokens=64)
            assert r.choices[0].message.tool_calls
            return time.perf_counter() - t0

        normal()  # the first request builds the grammar tokenizer
        idle = statistics.median(normal() for _ in range(5))

        def hang_up(_i: int) -> str:
            body = {"model": "base", "messages": STORY, "max_tokens": 4000, "stream": True, "tool_choice": "none",
                    "tools": tools}
            try:
                with httpx.Client(timeout=120) as c, c.stream("POST", f"{url}/v1/chat/completions", json=body) as r:
                    if r.status_code != 200:
                        return str(r.status_code)
                    for line in r.iter_lines():
                        if line.startswith("data: ") and '"content": "' in line and '"content": ""' not in line:
                            return "hung up after a token"  # leaving the block closes the connection
            except httpx.HTTPError as exc:
                return type(exc).__name__
            return "ended"

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(hang_up, range(args.streams)))
        storm_s = time.perf_counter() - t0
        with ThreadPoolExecutor(100) as pool:
            burst = list(pool.map(hang_up, range(100)))

        def bad(i: int) -> str:
            try:
                return str(httpx.post(f"{url}/v1/chat/completions", content=MALFORMED[i % len(MALFORMED)],
                                      headers={"Content-Type": "application/json"}, timeout=30).status_code)
            except httpx.HTTPError as exc:
                return type(exc).__name__

        t0 = time.perf_counter()
        with ThreadPoolExecutor(50) as pool:
            codes = list(pool.map(bad, range(args.malformed)))
        malformed_s = time.perf_counter() - t0

        health_deadline = time.monotonic() + 30
        while (active := httpx.get(f"{url}/health").json()["active"]) and time.monotonic() < health_deadline:
            time.sleep(0.1)
        after = statistics.median(normal() for _ in range(3))
        result = {
            "idle_s": round(idle, 3), "after_s": round(after, 3), "ratio": round(after / idle, 2),
            "streams": {k: outcomes.count(k) for k in sorted(set(outcomes))}, "streams_s": round(storm_s, 1),
            "burst_of_100": {k: burst.count(k) for k in sorted(set(burst))},
            "malformed": {str(k): codes.count(k) for k in sorted(set(codes))}, "malformed_s": round(malformed_s, 1),
            "active_after": active, "goal": "after <= 2x idle, active_after == 0",
            "met": after <= 2 * idle and active == 0,
        }
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
