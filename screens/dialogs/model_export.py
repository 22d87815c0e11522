"""Export a run for serving elsewhere: a Hugging Face model for vLLM, or a GGUF and Modelfile for llama.cpp and Ollama."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

# (format, quant, label): the choices in the order a user meets them.
CHOICES = [
    ("hf", "f16", "Hugging Face model (transformers, vLLM)"),
    ("gguf", "f16", "GGUF f16 (llama.cpp, Ollama): as trained"),
    ("gguf", "q8_0", "GGUF q8_0: half the size, the same calls"),
    ("gguf", "q4_k_m", "GGUF q4_k_m: needs llama-quantize"),
    ("lora", "f16", "GGUF LoRA adapter alone, over the base"),
]


@dataclass
class ModelExportRequest:
    fmt: str
    quant: str
    out_dir: str


class ModelExportDialog(ModalScreen[ModelExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, run_id: str, exports_dir: str, lora: bool = True):
        super().__init__()
        self.run_id = run_id
        self.choices = [c for c in CHOICES if lora or c[0] != "lora"]   # a full run has no adapter
        # One folder per choice (exports/RUN-hf, exports/RUN-q8_0...): an export never overwrites.
        self.auto = {f"{fmt}-{quant}": f"{exports_dir}/{run_id}-{ {'hf': 'hf', 'lora': 'lora'}.get(fmt, quant)}"
                     for fmt, quant, _ in CHOICES}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"[b]Export run {self.run_id}[/b] to serve it outside the workbench.", classes="dialog-text")
            with RadioSet(id="model-format"):
                for i, (fmt, quant, label) in enumerate(self.choices):
                    yield RadioButton(label, value=i == 0, id=f"fmt-{fmt}-{quant}")
            yield Input(self.auto["hf-f16"], id="model-out-dir")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_radio_set_changed(self, _event: RadioSet.Changed) -> None:
        out = self.query_one("#model-out-dir", Input)
        if out.value in self.auto.values():  # the folder follows the choice until the user types their own
            fmt, quant = self._picked()
            out.value = self.auto[f"{fmt}-{quant}"]

    def _picked(self) -> tuple[str, str]:
        pressed = self.query_one(RadioSet).pressed_button
        fmt, _, quant = ((pressed and pressed.id) or "fmt-hf-f16").removeprefix("fmt-").partition("-")
        return fmt, quant

    def _request(self) -> ModelExportRequest:
        fmt, quant = self._picked()
        return ModelExportRequest(fmt, quant, self.query_one("#model-out-dir", Input).value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._request() if event.button.id == "export" else None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.dismiss(self._request())

    def action_cancel(self) -> None:
        self.dismiss(None)
