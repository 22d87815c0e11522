"""Examples on disk: `examples.jsonl`, one OpenAI chat fine-tuning example per line.

A line is `{"messages": [...], "tools": [...], "meta": {...}}`. Lines that cannot be
parsed (not UTF-8, not JSON, not an object, blank) are kept verbatim as `RawLine`s
in their place: a save never drops or rewrites a line it could not read.
"""

from __future__ import annotations

import datetime as _dt
import gc
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from workbench.fileio import atomic_write_bytes

_RAW = json.JSONDecoder()
STATUSES = ("pending", "accepted", "rejected")
# single call, parallel calls in one turn, call -> result -> call, tool error then a corrected call,
# a clarifying question when a required value is missing, and no tool needed.
CATEGORIES = ("single", "parallel", "multi_step", "error_recovery", "clarify", "no_tool")


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(slots=True, eq=False)
class Example:
    """One parsed line. `data` is the whole JSON object, unknown keys included."""

    data: dict
    line: int = 0  # 1-based line in the file it was read from; 0 when created in memory
    # (hash of the data as first serialised, the line as read): an unchanged example is written
    # back byte for byte, so a load and save never churns a file under version control.
    original: tuple[int, bytes] | None = None

    @property
    def messages(self) -> list:
        m = self.data.get("messages")
        return m if isinstance(m, list) else []

    @property
    def tools(self) -> list | None:
        t = self.data.get("tools")
        return t if isinstance(t, list) else None

    @property
    def meta(self) -> dict:
        m = self.data.get("meta")
        if not isinstance(m, dict):
            m = self.data["meta"] = {}
        return m

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    @property
    def status(self) -> str:
        return self.meta.get("status", "pending")

    @property
    def category(self) -> str:
        return self.meta.get("category", "")

    def set_status(self, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        self.meta["status"] = status
        self.meta["updated"] = now_iso()

    def first_user_message(self) -> str:
        for m in self.messages:
            if isinstance(m, dict) and m.get("role") == "user":
                c = m.get("content")
                return c if isinstance(c, str) else ""
        return ""

    def called_tools(self) -> list[str]:
        names = []
        for m in self.messages:
            if isinstance(m, dict) and m.get("role") == "assistant":
                for call in m.get("tool_calls") or []:
                    fn = call.get("function") if isinstance(call, dict) else None
                    if isinstance(fn, dict) and fn.get("name"):
                        names.append(fn["name"])
        return names

    def calls(self, refused: bool = True) -> Iterable[tuple[str, dict | None]]:
        """(name, arguments) of every call in the assistant turns; arguments None where they are
        not a JSON object (broken examples are read, never trusted). `refused=False` leaves out
        the calls whose tool result is an error (the wrong call of an error-recovery example)."""
        skip = set() if refused else self.refused_call_ids()
        for m in self.messages:
            if not isinstance(m, dict) or m.get("role") != "assistant":
                continue
            for call in m.get("tool_calls") or []:
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict) or call.get("id") in skip:
                    continue
                args = fn.get("arguments")
                if isinstance(args, str):
                    try:
                        args = json.loads(args or "{}")
                    except json.JSONDecodeError:
                        args = None
                yield fn.get("name"), args if isinstance(args, dict) else None

    def refused_call_ids(self) -> set:
        """Ids of the calls whose tool result is an error ({"error": ...})."""
        out = set()
        for m in self.messages:
            if isinstance(m, dict) and m.get("role") == "tool" and isinstance(m.get("content"), str):
                try:
                    result = json.loads(m["content"])
                except json.JSONDecodeError:
                    continue
                if isinstance(result, dict) and "error" in result:
                    out.add(m.get("tool_call_id"))
        out.discard(None)
        return out

    def to_json(self) -> bytes:
        out = orjson.dumps(self.data)
        if self.original is not None and hash(out) == self.original[0]:
            return self.original[1]
        return out

    def copy(self) -> "Example":
        return Example(orjson.loads(orjson.dumps(self.data)))


@dataclass(slots=True, eq=False)
class RawLine:
    """A line that could not be parsed, kept byte for byte."""

    raw: bytes
    line: int
    reason: str


Entry = Example | RawLine


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line of a file that could not be read as an example: `file:line: reason`."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


_PLACEHOLDER = b'"\\u0000workbench-tools"'
_PLACEHOLDER_STR = "\x00workbench-tools"


class SharedTools:
    """Parses a file's lines, parsing each distinct top-level `tools` value only once.

    Most lines repeat the project's tool list byte for byte, and it is most of each line
    (about 2.5 of 3.3 KB for the Task API). When a line holds a tool list already seen,
    its bytes are swapped for a placeholder string before parsing and the shared parsed
    list is put back, which makes loading about 3x faster and shares one list between
    examples. The raw bytes of a JSON array cannot occur inside a JSON string (its quotes
    would be escaped), and the result is used only when the placeholder landed exactly at
    the top-level `tools` key; anything else is parsed in full.
    """

    MAX_BLOBS = 16
    MAX_LEARN_FAILURES = 64

    def __init__(self):
        self.blobs: dict[bytes, list] = {}
        self._failures = 0

    def loads(self, body: bytes):
        for blob, tools in self.blobs.items():
            i = body.find(blob)
            if i >= 0:
                if body.find(blob, i + 1) < 0:
                    data = orjson.loads(body[:i] + _PLACEHOLDER + body[i + len(blob):])
                    if isinstance(data, dict) and data.get("tools") == _PLACEHOLDER_STR:
                        data["tools"] = tools
                        return data
                break
        data = orjson.loads(body)
        if isinstance(data, dict):
            self._learn(body, data)
        return data

    def _learn(self, body: bytes, data: dict) -> None:
        tools = data.get("tools")
        if (not isinstance(tools, list) or not tools or len(self.blobs) >= self.MAX_BLOBS
                or self._failures >= self.MAX_LEARN_FAILURES):
            return
        text = body.decode("utf-8")
        key = text.find('"tools"')
        colon = text.find(":", key + 7) if key >= 0 else -1
        if colon < 0:
            self._failures += 1
            return
        start = colon + 1 + (len(text[colon + 1:]) - len(text[colon + 1:].lstrip()))
        try:
            _, end = _RAW.raw_decode(text, start)
        except ValueError:
            self._failures += 1
            return
        blob = text[start:end].encode("utf-8")
        if orjson.loads(blob) == tools and blob.startswith(b"["):
            self.blobs[blob] = tools
            data["tools"] = tools
        else:
            self._failures += 1


def parse_line(raw: bytes, lineno: int, shared: SharedTools | None = None) -> Entry:
    """One line of JSONL as an Example, or a RawLine saying why it is not one."""
    body = raw[:-1] if raw.endswith(b"\r") else raw
    if not body.strip():
        return RawLine(raw, lineno, "blank line")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawLine(raw, lineno, f"not UTF-8 (byte {exc.start + 1} of the line)")
    try:
        data = shared.loads(body) if shared is not None else orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return RawLine(raw, lineno, f"not JSON: {str(exc).split(':')[0]}")
    if not isinstance(data, dict):
        return RawLine(raw, lineno, f"not a JSON object (a {type(data).__name__})")
    return Example(data, lineno, (hash(orjson.dumps(data)), raw))


def new_meta(example_id: str, *, status: str = "pending", category: str = "", source: str = "manual") -> dict:
    ts = now_iso()
    return {"id": example_id, "status": status, "category": category, "source": source,
            "created": ts, "updated": ts, "notes": ""}


def content_id(data: bytes) -> str:
    return "ex_" + hashlib.sha1(data).hexdigest()[:10]


@dataclass
class ExampleFile:
    """An `examples.jsonl` in memory: parsed examples and raw lines, in file order."""

    path: Path
    entries: list[Entry] = field(default_factory=list)
    journal_warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> "ExampleFile":
        """Read a JSONL file. A missing file is an empty one; nothing here raises on bad lines."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path, [])
        return cls(path, parse_jsonl_bytes(data))

    @property
    def examples(self) -> list[Example]:
        return [e for e in self.entries if isinstance(e, Example)]

    def raw_lines(self) -> list[RawLine]:
        return [e for e in self.entries if isinstance(e, RawLine)]

    def line_problems(self) -> list[LineProblem]:
        return [LineProblem(str(self.path), r.line, r.reason) for r in self.raw_lines()]

    def save(self) -> None:
        atomic_write_bytes(self.path, serialize_entries(self.entries))

    def append(self, example: Example) -> None:
        self.entries.append(example)

    def by_id(self) -> dict[str, Example]:
        return {e.id: e for e in self.examples}


def parse_jsonl_bytes(data: bytes) -> list[Entry]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line is not a blank line
    # Parsing makes millions of small objects; the cyclic GC would rescan them all again
    # and again (4x slower at 50k examples). None of them can form a cycle yet.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        shared = SharedTools()
        entries: list[Entry] = [parse_line(raw, i, shared) for i, raw in enumerate(lines, 1)]
    finally:
        if gc_was_enabled:
            gc.enable()
    _ensure_meta(e for e in entries if isinstance(e, Example))
    return entries


def _ensure_meta(examples: Iterable[Example]) -> None:
    """Give every example a meta block with a unique id (imported files often have none).

    An id made here is a hash of the example's content, so reloading the same
    file gives the same ids.
    """
    seen: set[str] = set()
    for ex in examples:
        meta = ex.meta
        ex_id = meta.get("id")
        if not isinstance(ex_id, str) or not ex_id:
            ex_id = content_id(orjson.dumps(ex.data.get("messages")))
        base, n = ex_id, 1
        while ex_id in seen:
            n += 1
            ex_id = f"{base}-{n}"
        seen.add(ex_id)
        if meta.get("id") != ex_id:
            meta["id"] = ex_id
        meta.setdefault("status", "pending")


def serialize_entries(entries: Iterable[Entry]) -> bytes:
    out = bytearray()
    for e in entries:
        out += e.to_json() if isinstance(e, Example) else e.raw
        out += b"\n"
    return bytes(out)


def make_example(messages: list[dict], tools: list[dict] | None, *, category: str = "", source: str = "manual",
                 status: str = "pending", example_id: str | None = None, notes: str = "") -> Example:
    data: dict[str, Any] = {"messages": messages, "tools": tools}
    meta = new_meta(example_id or content_id(orjson.dumps(messages)), status=status, category=category, source=source)
    meta["notes"] = notes
    data["meta"] = meta
    return Example(data)
