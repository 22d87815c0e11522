"""The exact prompt the base model sees for an example, trained tokens highlighted.

The tokenizer needs transformers, which is slow to import, so it loads in a worker.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.examples import Example


class PromptPreview(ModalScreen[None]):
    BINDINGS = [Binding("escape,v,q", "dismiss", "Close")]

    def __init__(self, example: Example, model_spec: str, system_prompt: str, default_tools):
        super().__init__()
        self.example, self.model_spec = example, model_spec
        self.system_prompt, self.default_tools = system_prompt, default_tools

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static(f"[b]Prompt preview[/b] of {self.example.id} for {self.model_spec}: "
                         "[reverse green]trained tokens[/] are the assistant turns. escape closes.",
                         id="preview-head", classes="dialog-text")
            with VerticalScroll():
                yield Static("loading the tokenizer (the first time, the bundled model is converted once: "
                             "about 30 s)…", id="preview-body")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, description="tokenising the prompt")
    def load(self) -> None:
        from workbench.chat_format import assistant_token_mask, render
        from workbench.models import load_tokenizer

        ex = self.example
        try:
            tok = load_tokenizer(self.model_spec)
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of crashing the app
            self.app.call_from_thread(self._show_error, f"cannot load the tokenizer: {exc}")
            return
        rendered = render(ex.messages, ex.tools if ex.tools is not None else self.default_tools,
                          system_prompt=self.system_prompt)
        enc = tok(rendered.text, return_offsets_mapping=True, add_special_tokens=False)
        mask = assistant_token_mask(enc["offset_mapping"], rendered.spans)
        self.app.call_from_thread(self._show, rendered.text, enc["offset_mapping"], mask)

    def _show_error(self, message: str) -> None:
        self.query_one("#preview-body", Static).update(f"[red]{message}[/]")

    def _show(self, text: str, offsets, mask: list[int]) -> None:
        body = Text()
        pos = 0
        for (a, b), m in zip(offsets, mask):
            if a > pos:
                body.append(text[pos:a])
            body.append(text[a:b], style="reverse green" if m else "")
            pos = max(pos, b)
        body.append(text[pos:])
        trained = sum(mask)
        warn = ""
        if trained == 0:
            warn = "  [bold red]warning: no token is trained (no assistant turn)[/]"
        elif trained == len(mask):
            warn = "  [bold red]warning: every token is trained (the prompt is not masked)[/]"
        head = self.query_one("#preview-head", Static)
        head.update(f"[b]Prompt preview[/b] of {self.example.id}: {len(mask)} tokens, {trained} trained "
                    f"([reverse green]highlighted[/]).{warn} escape closes.")
        self.query_one("#preview-body", Static).update(body)

    def action_dismiss(self) -> None:
        self.dismiss(None)
