"""Edit one example as JSON; it is validated before it can be saved."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from workbench.examples import Example
from workbench.validation import validate_example


class ExampleEditor(ModalScreen[dict | None]):
    """Returns the edited example's data, or None when cancelled."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, example: Example, default_tools: list[dict] | None):
        super().__init__()
        self.example = example
        self.default_tools = default_tools

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(f"Edit {self.example.id}: ctrl+s saves (only when valid), escape cancels", classes="dialog-text")
            yield TextArea.code_editor(json.dumps(self.example.data, indent=2, ensure_ascii=False), language="json",
                                       id="example-json")
            yield Static("", id="editor-problems", classes="problems")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._check()

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        self._check()

    def _check(self) -> tuple[dict | None, bool]:
        out = self.query_one("#editor-problems", Static)
        text = self.query_one(TextArea).text
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            out.update(f"[red]not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}[/]")
            return None, False
        if not isinstance(data, dict):
            out.update("[red]an example must be a JSON object[/]")
            return None, False
        problems = validate_example(data, self.default_tools)
        errors = [p for p in problems if p.is_error]
        if problems:
            out.update("\n".join(f"[{'red' if p.is_error else 'yellow'}]{p.code}[/] {p.path}: {p.message}"
                                 for p in problems[:6]))
        else:
            out.update("[green]valid[/]")
        return data, not errors

    def action_save(self) -> None:
        data, ok = self._check()
        if data is None or not ok:
            self.notify("Fix the errors first; nothing was saved.", severity="error")
            return
        meta = data.setdefault("meta", {})
        meta["id"] = self.example.id  # the id is the example's identity; keep it
        self.dismiss(data)

    def action_cancel(self) -> None:
        self.dismiss(None)
