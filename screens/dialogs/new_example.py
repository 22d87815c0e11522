"""A new example from scratch: a user message, a tool and its arguments (guided by the schema),
a tool result (typed, or run against the toolset's stub) and a final answer."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from workbench.examples import CATEGORIES, make_example
from workbench.tools import tool_name, tools_by_name
from workbench.validation import validate_example

NO_TOOL = "__none__"


def parse_value(text: str, schema: dict):
    """A form field's text as the JSON value its schema asks for. Raises ValueError."""
    t = schema.get("type")
    text = text.strip()
    if t == "integer":
        return int(text)
    if t == "number":
        return float(text) if "." in text or "e" in text.lower() else int(text)
    if t == "boolean":
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise ValueError("expected true or false")
    if t == "array":
        if text.startswith("["):
            return json.loads(text)
        return [s.strip() for s in text.split(",") if s.strip()]
    if t == "object":
        return json.loads(text)
    return text


class NewExampleDialog(ModalScreen[dict | None]):
    """Returns the new example's data, or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, tools: list[dict], run_stub=None):
        super().__init__()
        self.tools = tools
        self.by_name = tools_by_name(tools)
        self.run_stub = run_stub  # callable(name, args) -> result text, when the project has stubs

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("[b]New example[/b]: ctrl+s saves as pending, escape cancels", classes="dialog-text")
            with VerticalScroll(id="new-form"):
                yield Label("User message")
                yield Input(id="user", placeholder="what the user asks")
                yield Label("Category")
                yield Select([(c, c) for c in CATEGORIES], value="single", id="category", allow_blank=False)
                yield Label("Tool to call")
                yield Select([("(no tool: answer directly)", NO_TOOL)] + [(tool_name(t), tool_name(t)) for t in self.tools],
                             value=NO_TOOL, id="tool", allow_blank=False)
                yield Vertical(id="args")
                yield Label("Tool result (JSON text)")
                with Horizontal(classes="row"):
                    yield Input(id="result", placeholder='{"ok": true}')
                    yield Button("Run stub", id="run-stub", disabled=self.run_stub is None)
                yield Label("Final answer")
                yield Input(id="answer", placeholder="what the assistant says at the end")
            yield Static("", id="new-problems", classes="problems")

    def on_mount(self) -> None:
        self.query_one("#user", Input).focus()

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "tool":
            return
        box = self.query_one("#args", Vertical)
        await box.remove_children()
        tool = self.by_name.get(str(event.value))
        if tool is None:
            return
        params = tool["function"].get("parameters") or {}
        required = set(params.get("required") or [])
        widgets = []
        for name, schema in (params.get("properties") or {}).items():
            label = f"{name}{' *' if name in required else ''}  ({schema.get('type', 'any')}"
            label += f", {schema['format']})" if "format" in schema else ")"
            widgets.append(Label(label + (f"  {schema.get('description', '')}" if schema.get("description") else "")))
            if "enum" in schema:
                widgets.append(Select([(str(v), v) for v in schema["enum"]], id=f"arg-{name}", prompt="(omit)"))
            else:
                widgets.append(Input(id=f"arg-{name}", placeholder="YYYY-MM-DD" if schema.get("format") == "date"
                                     else ("a, b, c" if schema.get("type") == "array" else "")))
        await box.mount_all(widgets)

    def _arguments(self) -> tuple[str | None, dict, list[str]]:
        tool_sel = self.query_one("#tool", Select).value
        if tool_sel == NO_TOOL:
            return None, {}, []
        tool = self.by_name[str(tool_sel)]
        args, errors = {}, []
        for name, schema in (tool["function"].get("parameters") or {}).get("properties", {}).items():
            widget = self.query_one(f"#arg-{name}")
            if isinstance(widget, Select):
                if not widget.is_blank():
                    args[name] = widget.value
            elif widget.value.strip():
                try:
                    args[name] = parse_value(widget.value, schema)
                except (ValueError, json.JSONDecodeError) as exc:
                    errors.append(f"{name}: {exc}")
        return str(tool_sel), args, errors

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run-stub" and self.run_stub is not None:
            name, args, errors = self._arguments()
            if name and not errors:
                from workbench.toolset import StubsError

                try:
                    self.query_one("#result", Input).value = self.run_stub(name, args)
                except StubsError as exc:
                    self.notify(str(exc), title="The project's stubs failed to load", severity="error", timeout=10)

    def build(self) -> tuple[dict | None, list[str]]:
        user = self.query_one("#user", Input).value.strip()
        answer = self.query_one("#answer", Input).value.strip()
        result = self.query_one("#result", Input).value.strip()
        name, args, errors = self._arguments()
        if not user:
            errors.append("the user message is empty")
        messages = [{"role": "user", "content": user}]
        if name:
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]})
            if result or answer:
                messages.append({"role": "tool", "tool_call_id": "call_1", "content": result or "{}"})
        if answer:
            messages.append({"role": "assistant", "content": answer})
        category = str(self.query_one("#category", Select).value)
        ex = make_example(messages, self.tools, category=category, source="manual")
        problems = [p for p in validate_example(ex) if p.is_error]
        errors += [f"{p.code} {p.path}: {p.message}" for p in problems]
        return (ex.data if not errors else None), errors

    def action_save(self) -> None:
        data, errors = self.build()
        if errors:
            self.query_one("#new-problems", Static).update("\n".join(f"[red]{e}[/]" for e in errors[:6]))
            self.notify("Not saved: fix the problems shown.", severity="error")
            return
        self.dismiss(data)

    def action_cancel(self) -> None:
        self.dismiss(None)
