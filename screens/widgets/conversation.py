"""The selected example, readably: turns, tool calls as pretty JSON with their problems, results."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.examples import Example
from workbench.problems import Problem

ROLE_STYLE = {"system": "magenta", "user": "bold cyan", "assistant": "bold green", "tool": "yellow"}


def render_conversation(ex: Example, problems: list[Problem]) -> RenderableType:
    parts: list[RenderableType] = []
    meta = ex.meta
    head = Text.assemble((f"{ex.id}", "bold"), "  ", (ex.status, "italic"), "  ", (ex.category or "-", "dim"),
                         "  ", (f"source {meta.get('source', '-')}", "dim"))
    parts.append(head)
    if meta.get("notes"):
        parts.append(Text(f"notes: {meta['notes']}", style="dim italic"))
    verification = meta.get("verification")
    if isinstance(verification, dict):  # generated examples: what verification said
        if verification.get("ok"):
            parts.append(Text("verified: " + ", ".join(map(str, verification.get("checks", []))), style="dim green"))
        else:
            parts.append(Text(f"rejected at {verification.get('stage', '?')}:", style="bold red"))
            parts += [Text(f"  {r}", style="red") for r in verification.get("reasons", [])]
    setup = meta.get("setup")
    if isinstance(setup, list) and setup:   # what the stubs' world held before the conversation
        parts.append(Text("before: " + ", ".join(
            f"{c.get('name')}({json.dumps(c.get('arguments'), ensure_ascii=False)})" if isinstance(c, dict) else str(c)
            for c in setup), style="dim"))
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        key = p.path.split(".function")[0] if ".tool_calls[" in p.path else p.path.split(".")[0]
        by_path.setdefault(key, []).append(p)
    for i, m in enumerate(ex.messages):
        if not isinstance(m, dict):
            parts.append(Text(f"[{i}] {m!r}", style="red"))
            continue
        role = m.get("role", "?")
        path = f"messages[{i}]"
        parts.append(Text(f"\n{role}", style=ROLE_STYLE.get(role, "bold red")))
        content = m.get("content")
        if role == "tool":
            parts.append(Text(f"  ↳ result for {m.get('tool_call_id')}", style="dim"))
            parts.append(_json_or_text(content))
        elif content:
            parts.append(Text(str(content)))
        for j, call in enumerate(m.get("tool_calls") or []):
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            parts.append(Text.assemble(("  call ", "dim"), (str(fn.get("name")), "bold"), (f"  id={call.get('id')}",
                                                                                         "dim")))
            parts.append(_json_or_text(fn.get("arguments")))
            for p in by_path.get(f"{path}.tool_calls[{j}]", []):
                parts.append(_problem_line(p))
        for p in by_path.get(path, []):
            parts.append(_problem_line(p))
    top = [p for p in problems if not p.path.startswith("messages[")]
    if top:
        parts.append(Text(""))
        parts.extend(_problem_line(p) for p in top)
    return Group(*parts)


def _problem_line(p: Problem) -> Text:
    colour = "red" if p.is_error else "yellow"
    where = p.path.split("arguments.")[-1] if "arguments." in p.path else p.path
    return Text.assemble(("  ✗ " if p.is_error else "  ~ ", colour), (p.code, f"bold {colour}"), f" {where}: ",
                         (p.message, colour))


def _json_or_text(value) -> RenderableType:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return Text("  " + value)
    return Syntax(json.dumps(value, indent=2, ensure_ascii=False), "json", theme="ansi_dark",
                  background_color="default", padding=(0, 2))


class ConversationView(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    ConversationView { padding: 0 1; }
    ConversationView > Static { width: 100%; }
    """

    def compose(self):
        yield Static("No example selected.", id="conversation-body")

    def show(self, ex: Example | None, problems: list[Problem]) -> None:
        body = self.query_one("#conversation-body", Static)
        body.update(render_conversation(ex, problems) if ex is not None else "No example selected.")
        self.scroll_home(animate=False)
