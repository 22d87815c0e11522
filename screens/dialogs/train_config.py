"""Start a run: a preset, then the fields worth changing, prefilled from it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from screens.dialogs.form import FormDialog
from workbench.train.config import PRESETS, ConfigError, TrainConfig, make_config

FIELDS = [
    ("learning_rate", "learning rate"), ("epochs", "epochs"), ("max_steps", "max steps (-1: all epochs)"),
    ("max_minutes", "time budget, minutes (0: none)"),
    ("batch_size", "batch size"), ("grad_accum", "gradient accumulation"), ("lora_r", "LoRA r"),
    ("lora_alpha", "LoRA alpha"), ("warmup_ratio", "warmup ratio"),
    ("decision_weight", "loss weight of deciding tokens (1: off)"), ("eval_every", "eval every N steps (0: epoch)"),
]
LORA_FIELDS = ("lora_r", "lora_alpha")
FINETUNE = [("LoRA adapter (small, gentle on the base)", "lora"), ("full: every weight (fits faster)", "full")]


class TrainDialog(FormDialog[TrainConfig]):
    AUTO_FOCUS = "#preset"  # then tab walks the fields in the order shown
    def __init__(self, base_model: str, dataset_note: str, warning: str = ""):
        super().__init__()
        self.base_model, self.dataset_note, self.warning = base_model, dataset_note, warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Static(f"[b]New training run[/b] of {self.base_model}. {self.dataset_note}\n"
                         "ctrl+s starts, escape cancels.", classes="dialog-text")
            if self.warning:
                yield Static(Text(self.warning, style="bold red"), id="cfg-warning", classes="dialog-text")
            with VerticalScroll():
                yield Label("Preset")
                yield Select([(p, p) for p in PRESETS], value="cpu-quick", id="preset", allow_blank=False)
                yield Label("fine-tuning")
                yield Select(FINETUNE, value="lora", id="cfg-finetune", allow_blank=False)
                for name, label in FIELDS:
                    yield Label(label)
                    yield Input(id=f"cfg-{name}", compact=True)
            yield Static("", id="cfg-error", classes="problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start (ctrl+s)", id="start", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.fill("cpu-quick")

    def fill(self, preset: str) -> None:
        config = make_config(preset, base_model=self.base_model)
        for name, _ in FIELDS:
            self.query_one(f"#cfg-{name}", Input).value = str(getattr(config, name))
        self.query_one("#cfg-finetune", Select).value = config.finetune
        self.show_lora_fields(config.finetune)   # at once: the Select's own Changed may come later, or not

    def show_lora_fields(self, finetune) -> None:
        for name in LORA_FIELDS:   # a full run has no adapter: its fields say nothing
            self.query_one(f"#cfg-{name}", Input).disabled = finetune == "full"

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "preset":
            self.fill(str(event.value))
        elif event.select.id == "cfg-finetune":
            self.show_lora_fields(event.value)

    def result(self) -> TrainConfig | None:
        overrides = {name: self.query_one(f"#cfg-{name}", Input).value.strip() for name, _ in FIELDS}
        overrides["finetune"] = self.query_one("#cfg-finetune", Select).value
        try:
            return make_config(str(self.query_one("#preset", Select).value), overrides, self.base_model)
        except ConfigError as exc:
            self.query_one("#cfg-error", Static).update(f"[red]{exc}[/]")
            return None
