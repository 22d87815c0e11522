"""The shape every form dialog shares: a primary button and ctrl+s submit, escape cancels."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button

T = TypeVar("T")


class FormDialog(ModalScreen[T | None], Generic[T]):
    """Subclasses give `result()`: the value to return, or None after showing why not."""

    SUBMIT_ID = "start"
    BINDINGS = [Binding("ctrl+s", "submit", "Submit", priority=True), Binding("escape", "cancel", "Cancel")]

    def result(self) -> T | None:
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == self.SUBMIT_ID:
            self.action_submit()
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        value = self.result()
        if value is not None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
