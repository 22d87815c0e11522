"""Generate examples: how many, which tools and categories, offline or from the teacher."""

from __future__ import annotations

from pydantic import ValidationError
from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, SelectionList, Static

from screens.dialogs.form import FormDialog
from workbench.examples import CATEGORIES
from workbench.generate.spec import DEFAULT_MIX, GenerateSpec

FIELD_LABELS = {"n": "How many", "seed": "Seed", "mix": "Category shares", "tools": "Tools"}


class GenerateDialog(FormDialog[GenerateSpec]):
    def __init__(self, tool_names: list[str], teacher_note: str):
        super().__init__()
        self.tool_names, self.teacher_note = tool_names, teacher_note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("[b]Generate examples[/b]: verified, then added as pending for you to curate; rejected ones "
                         "stay in the review queue ([i]verify:failed[/i]). ctrl+s generates, escape cancels.",
                         classes="dialog-text")
            with VerticalScroll():
                with Horizontal(classes="row"):
                    with Vertical():
                        yield Label("How many")
                        yield Input("200", id="gen-n", compact=True)
                    with Vertical():
                        yield Label("Seed")
                        yield Input("0", id="gen-seed", compact=True)
                yield Label("Source")
                with RadioSet(id="gen-source"):
                    yield RadioButton("Offline, from the schemas (seconds, no network)", value=True, id="src-offline")
                    yield RadioButton(f"Teacher model: {escape(self.teacher_note)}", id="src-teacher")
                yield Checkbox("Semantic check by the teacher (slower)", id="gen-semantic")
                yield Label("Tools")
                yield SelectionList[str](*[(n, n, True) for n in self.tool_names], id="gen-tools")
                yield Label("Category shares (%)")
                with Horizontal(classes="row"):
                    for cat in CATEGORIES:
                        with Vertical():
                            yield Label(cat, classes="dialog-hint")
                            yield Input(str(round(DEFAULT_MIX[cat] * 100)), id=f"mix-{cat}", compact=True)
            yield Static("", id="gen-error", classes="problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Generate (ctrl+s)", id="start", variant="primary")
                yield Button("Cancel", id="cancel")

    def result(self) -> GenerateSpec | None:
        # Inputs take any text and a wrong one is named here: an input that silently dropped letters
        # would turn "2OO" into 2 without a word.
        def number(selector: str, label: str, kind=int):
            text = self.query_one(selector, Input).value.strip() or "0"
            try:
                return kind(text)
            except ValueError:
                raise ValueError(f"{label}: {text!r} is not a {'whole ' if kind is int else ''}number") from None

        try:
            mix = {cat: number(f"#mix-{cat}", f"share of {cat}", float) for cat in CATEGORIES}
            tools = list(self.query_one("#gen-tools", SelectionList).selected)
            if not tools:
                raise ValueError("Tools: pick at least one tool")
            pressed = self.query_one("#gen-source", RadioSet).pressed_button
            return GenerateSpec(n=number("#gen-n", "How many"), seed=number("#gen-seed", "Seed"),
                                mix={k: v for k, v in mix.items() if v > 0},
                                tools=None if len(tools) == len(self.tool_names) else tools,
                                source="teacher" if pressed is not None and pressed.id == "src-teacher" else "offline",
                                semantic_check=self.query_one("#gen-semantic", Checkbox).value)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = FIELD_LABELS.get(str(err["loc"][0]), ".".join(str(x) for x in err["loc"]))
            self.query_one("#gen-error", Static).update(Text(f"{field}: {err['msg']}", style="red"))
        except ValueError as exc:
            self.query_one("#gen-error", Static).update(Text(str(exc), style="red"))
        return None
