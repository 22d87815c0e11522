"""Exporting a run for serving elsewhere: a merged Hugging Face model, and the vLLM command line.

A merged model is the base with the LoRA weights folded in (a fully fine-tuned run is one
already, and is copied): any runtime that loads Hugging Face models serves it. For many
adapters over one base, vLLM serves the adapter directly with `--enable-lora`. Either way
the chat template saved with it is the workbench's (Hermes-style `<tool_call>` blocks), so
vLLM's `hermes` tool-call parser reads the calls.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from workbench.chat_format import chat_template
from workbench.fileio import atomic_write_text
from workbench.inference import trained_tool_format


class ExportError(Exception):
    pass


def _refuse_to_overwrite(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ExportError(f"{out_dir}: exists and is not empty")


def merge_adapter(base: str, adapter: Path, out_dir: Path) -> Path:
    """Fold the adapter into its base and save a complete model directory (safetensors)."""
    from peft import PeftModel

    from workbench.models import load_model

    _refuse_to_overwrite(out_dir)
    model, tokenizer = load_model(base)
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.chat_template = chat_template(trained_tool_format(adapter))
    tokenizer.save_pretrained(str(out_dir))
    meta = adapter / "workbench.json"
    if meta.exists():
        atomic_write_text(out_dir / "workbench.json", json.dumps({**json.loads(meta.read_text()),
                                                                  "merged_from": str(adapter)}, indent=2))
    return out_dir


def copy_model(model_dir: Path, out_dir: Path) -> Path:
    """A fully fine-tuned run's model, copied whole (weights, tokenizer, template, workbench.json)."""
    import shutil

    _refuse_to_overwrite(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in model_dir.iterdir():
        if f.is_file():
            shutil.copy2(f, out_dir / f.name)
    return out_dir


def vllm_command(model_path: str, adapter: Path | None, name: str, port: int = 8000) -> str:
    """The command that serves this adapter over its base (or, with no adapter, the whole model at
    `model_path`) with vLLM's OpenAI server and its Hermes tool parser."""
    template = (adapter or Path(model_path)) / "chat_template.jinja"
    if not template.exists():
        atomic_write_text(template, chat_template(trained_tool_format(adapter or Path(model_path))))
    parts = ["vllm", "serve", model_path]
    if adapter is not None:
        parts += ["--enable-lora", "--lora-modules", f"{name}={adapter}", "--max-lora-rank", "64"]
    parts += ["--enable-auto-tool-choice", "--tool-call-parser", "hermes", "--chat-template", str(template),
              "--port", str(port)]
    return shlex.join(parts)
