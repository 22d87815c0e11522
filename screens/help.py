"""Every key of the current screen and the app, plus the filter syntax."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from workbench import summary

GENERAL = """[b]Everywhere[/b]: 1 Tools · 2 Examples · 3 Train · 4 Eval · 5 Chat · ? help · ctrl+p command palette
(every action) · ctrl+q quit. Works without a mouse: tab moves focus (in the JSON editor too), escape leaves a field
or dialog."""


def key_label(key: str) -> str:
    """A binding's key as people write it: ctrl+o, ?, /."""
    return key.replace("question_mark", "?").replace("slash", "/").replace("plus", "+").replace("minus", "-")


def _bindings_table(title: str, bindings) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for b in bindings:
        if isinstance(b, Binding) and b.description:
            table.add_row(key_label(b.key), b.description)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("[b]Help[/b]: escape closes", classes="dialog-text")
            with VerticalScroll():
                yield Static(GENERAL)
                yield Static(_bindings_table(f"Keys on {self.under.__class__.__name__.replace('Screen', '')}",
                                             getattr(self.under, "BINDINGS", [])))
                if hasattr(self.under, "FILTER_HELP"):
                    yield Static("[b]Filter[/b]" + summary.__doc__.split("Filter syntax")[1])

    def action_close(self) -> None:
        self.dismiss(None)
