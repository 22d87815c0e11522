"""Evaluate a model: which one, on what (the project's val split, or BFCL's public suite), how many
cases (a limit keeps a CPU run short), constrained or free."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from screens.dialogs.form import FormDialog


@dataclass
class EvalRequest:
    model: str
    limit: int          # 0: every case (for a suite: of each category)
    constrained: bool
    suite: str = ""     # "" the project's val split; "bfcl" BFCL's single-turn categories


class EvalDialog(FormDialog[EvalRequest]):
    AUTO_FOCUS = "#eval-limit"  # the newest model is preselected; how many cases is the question
    def __init__(self, models: list[tuple[str, str]], cases: int, constrained: bool):
        super().__init__()
        self.models, self.cases, self.constrained = models, cases, constrained

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.heading(""), id="eval-heading", classes="dialog-text")
            yield Label("Model")
            yield Select(self.models, value=self.models[-1][1], id="eval-model", allow_blank=False)
            yield Label("Cases (empty: all; each assistant turn is a case)")
            yield Input("", id="eval-limit", compact=True, placeholder=str(self.cases))
            yield Checkbox("Constrained decoding (the tool-call grammar: valid JSON always)", self.constrained,
                           id="eval-constrained")
            yield Label("Cases from")
            yield Select([("the project's val split", ""),
                          ("BFCL, 10 categories (general function calling; the limit is per category)", "bfcl")],
                         value="", id="eval-suite", allow_blank=False)
            yield Static("", id="eval-error", classes="problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Evaluate (ctrl+s)", id="start", variant="primary")
                yield Button("Cancel", id="cancel")

    def heading(self, suite: str) -> str:
        what = "BFCL's 10 single-turn categories" if suite == "bfcl" else f"the val split ({self.cases} cases)"
        return f"[b]Evaluate[/b] on {what}. ctrl+s starts, escape cancels; x on the Eval screen stops it."

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "eval-suite":
            self.query_one("#eval-heading", Static).update(self.heading(str(event.value)))
            self.query_one("#eval-limit", Input).placeholder = "per category" if event.value == "bfcl" \
                else str(self.cases)

    def result(self) -> EvalRequest | None:
        text = self.query_one("#eval-limit", Input).value.strip()
        if text and not (text.isdigit() and int(text) > 0):
            self.query_one("#eval-error", Static).update(f"[red]Cases: {text!r} is not a positive whole number[/]")
            return None
        return EvalRequest(str(self.query_one("#eval-model", Select).value), int(text or 0),
                           self.query_one("#eval-constrained", Checkbox).value,
                           str(self.query_one("#eval-suite", Select).value))
