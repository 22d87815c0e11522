"""Split train/val and export: choose a format and a folder."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from workbench.dataset import FORMATS

LABELS = {"openai": "OpenAI JSONL", "hf": "Hugging Face datasets (save_to_disk)", "sharegpt": "ShareGPT / LLaMA-Factory"}


class ExportDialog(ModalScreen[tuple[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, summary: str, default_dir: str):
        super().__init__()
        self.summary, self.default_dir = summary, default_dir

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.summary, classes="dialog-text")
            with RadioSet(id="format"):
                for i, fmt in enumerate(FORMATS):
                    yield RadioButton(LABELS[fmt], value=i == 0, id=f"fmt-{fmt}")
            yield Input(self.default_dir, id="out-dir")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def _choice(self) -> tuple[str, str]:
        pressed = self.query_one(RadioSet).pressed_button
        fmt = pressed.id.removeprefix("fmt-") if pressed and pressed.id else "openai"
        return fmt, self.query_one("#out-dir", Input).value.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._choice() if event.button.id == "export" else None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.dismiss(self._choice())

    def action_cancel(self) -> None:
        self.dismiss(None)
