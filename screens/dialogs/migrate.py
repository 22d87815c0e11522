"""A schema change touches examples: migrate them, mark them for review, or cancel the save."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workbench.migrate import Change


class MigrateDialog(ModalScreen[str | None]):
    """Returns "migrate", "review", "save" (nothing affected) or None (cancel)."""

    BINDINGS = [Binding("m", "choose('migrate')", "Migrate"), Binding("r", "choose('review')", "Mark for review"),
                Binding("escape", "choose(None)", "Cancel")]

    def __init__(self, affected: dict[Change, list]):
        super().__init__()
        self.affected = affected

    def compose(self) -> ComposeResult:
        lines = ["[b]This schema change affects examples:[/b]"]
        for change, exs in self.affected.items():
            ids = ", ".join(e.id for e in exs[:5]) + (" ..." if len(exs) > 5 else "")
            lines.append(f"• {change.describe()}: [b]{len(exs)}[/b] examples" + (f" ({ids})" if exs else ""))
        can_migrate = any(c.migratable for c in self.affected)
        if not can_migrate:
            lines.append("\nThese changes cannot be migrated automatically; mark the examples for review.")
        with Vertical(classes="dialog wide"):
            yield Static("\n".join(lines), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Migrate examples (m)", id="migrate", variant="primary", disabled=not can_migrate)
                yield Button("Mark for review (r)", id="review", variant="warning")
                yield Button("Cancel (esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str | None) -> None:
        if choice == "migrate" and not any(c.migratable for c in self.affected):
            return
        self.dismiss(choice)
