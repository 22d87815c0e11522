"""Add or edit one parameter of a tool: name, type, required, enum values, description."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

TYPES = ["string", "integer", "number", "boolean", "array", "object"]


class ParamDialog(ModalScreen[dict | None]):
    """Returns {"name", "type", "required", "enum", "description"} or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, name: str = "", schema: dict | None = None, required: bool = False):
        super().__init__()
        self.name_, self.schema, self.required = name, schema or {"type": "string"}, required

    def compose(self) -> ComposeResult:
        enum = self.schema.get("enum")
        with Vertical(classes="dialog"):
            yield Static("[b]Parameter[/b]: ctrl+s or enter saves, escape cancels", classes="dialog-text")
            # Compact fields, type and required on one row: the whole form fits an 80x24 terminal.
            yield Label("Name")
            yield Input(self.name_, id="p-name", compact=True)
            t = self.schema.get("type", "string")
            with Horizontal(classes="row"):
                yield Select([(x, x) for x in TYPES], value=t if t in TYPES else "string", id="p-type",
                             allow_blank=False, compact=True)
                yield Checkbox("required", self.required, id="p-required", compact=True)
            yield Label("Enum values (comma-separated; empty for none)")
            yield Input(", ".join(str(v) for v in enum) if enum else "", id="p-enum", compact=True)
            yield Label("Description")
            yield Input(self.schema.get("description", ""), id="p-desc", compact=True)
            yield Static("", id="p-error", classes="problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#p-name", Input).focus()

    def _value(self) -> dict | None:
        name = self.query_one("#p-name", Input).value.strip()
        if not name:
            self.query_one("#p-error", Static).update("[red]the name is empty[/]")
            return None
        ptype = str(self.query_one("#p-type", Select).value)
        raw_enum = self.query_one("#p-enum", Input).value.strip()
        enum = None
        if raw_enum:
            enum = []
            for part in (p.strip() for p in raw_enum.split(",")):
                if ptype in ("integer", "number"):
                    try:
                        enum.append(json.loads(part))
                    except json.JSONDecodeError:
                        enum.append(part)  # tool validation will flag the type mismatch
                else:
                    enum.append(part)
        return {"name": name, "type": ptype, "required": self.query_one("#p-required", Checkbox).value,
                "enum": enum, "description": self.query_one("#p-desc", Input).value.strip()}

    def on_input_submitted(self, _event) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        value = self._value()
        if value is not None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
