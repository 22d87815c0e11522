"""Exporting a run for serving elsewhere: a merged Hugging Face model and the vLLM command line, or a
GGUF and an Ollama Modelfile (workbench.gguf_export). `export_run` is the one use case the CLI and
the Train screen call.

A merged model is the base with the LoRA weights folded in (a fully fine-tuned run is one
already, and is copied): any runtime that loads Hugging Face models serves it. For many
adapters over one base, vLLM serves the adapter directly with `--enable-lora`. Either way
the chat template saved with it is the workbench's (Hermes-style `<tool_call>` blocks), so
vLLM's `hermes` tool-call parser reads the calls.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workbench.chat_format import chat_template
from workbench.fileio import atomic_write_text
from workbench.inference import trained_tool_format


class ExportError(Exception):
    pass


def refuse_to_overwrite(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ExportError(f"{out_dir}: exists and is not empty")


@contextmanager
def building(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside `out_dir` to write an export into, renamed to `out_dir` when the block
    ends without an error and removed when it does not: an export appears whole or not at all."""
    refuse_to_overwrite(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}-", dir=out_dir.parent) as tmp:
        ready = Path(tmp) / "out"
        yield ready
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.replace(ready, out_dir)


def merge_adapter(base: str, adapter: Path, out_dir: Path) -> Path:
    """Fold the adapter into its base and save a complete model directory (safetensors)."""
    from peft import PeftModel

    from workbench.models import load_model

    refuse_to_overwrite(out_dir)
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

    refuse_to_overwrite(out_dir)
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


FORMATS = ("hf", "gguf")


@dataclass
class Exported:
    """What an export wrote, in words, and the commands that serve it."""

    out: Path
    run_id: str
    written: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def export_run(project, run_ref: str, out_dir: Path, fmt: str = "hf", quant: str = "f16", name: str | None = None,
               adapter_only: bool = False, progress: Callable[[float, str], None] | None = None,
               cancel: threading.Event | None = None) -> Exported:
    """A finished run of `project` (a run id, a unique prefix, or a trained directory) written to `out_dir`:
    `hf`, a whole model (the LoRA adapter merged into its base; a fully fine-tuned model copied), or
    `gguf` in `quant` with an Ollama Modelfile (`adapter_only`: the LoRA adapter alone, over the base).
    A README.md in the folder says what it holds and the commands that serve it, for whoever finds it later."""
    done = _export(project, run_ref, out_dir, fmt, quant, name, adapter_only, progress, cancel)
    atomic_write_text(out_dir / "README.md", "\n".join([
        f"# {out_dir.name}", "", f"Exported by the workbench from run `{done.run_id}`.", "",
        *[f"- {line}" for line in done.written], "", "Serve it with:", "", "```sh", *done.commands, "```", ""]))
    return done


def _export(project, run_ref: str, out_dir: Path, fmt: str, quant: str, name: str | None, adapter_only: bool,
            progress: Callable[[float, str], None] | None, cancel: threading.Event | None) -> Exported:
    from workbench.inference import is_adapter, resolve_model_ref
    from workbench.models import resolve

    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    base, trained = resolve_model_ref(run_ref, project.runs_dir, project.settings.base_model)
    if trained is None:
        raise ExportError(f"{run_ref}: no finished run, adapter or fine-tuned model with that name in {project.runs_dir}")
    run_id = trained.parent.name if trained.name in ("adapter", "model") else trained.name
    if fmt == "gguf":
        from workbench.gguf_export import export_gguf

        done = export_gguf(trained, base, out_dir, quant, name or run_id, project.load_tools(),
                           project.system_prompt(), adapter_only, progress, cancel)
        written = [f"GGUF ({quant}, {done.gguf.stat().st_size / 2**20:.0f} MiB) with the workbench chat template: "
                   f"{done.gguf}"]
        if done.adapter is not None:
            written = [f"GGUF LoRA adapter ({quant}, {done.adapter.stat().st_size / 2**20:.1f} MiB): {done.adapter}",
                       f"over the base: {done.gguf}"]
        written.append(f"Ollama Modelfile (the run's system prompt and tools, its tool-call template): {done.modelfile}")
        return Exported(out_dir, run_id, written, done.commands())
    if progress:
        progress(0.0, "merging the adapter into its base" if is_adapter(trained) else "copying the model")
    with building(out_dir) as ready:
        if not is_adapter(trained):   # a fully fine-tuned run: already a whole model
            copy_model(trained, ready)
        else:
            merge_adapter(base, trained, ready)
    if not is_adapter(trained):
        return Exported(out_dir, run_id, [f"fine-tuned model copied to {out_dir}"],
                        [vllm_command(str(out_dir), None, run_id)])
    # vLLM serves the adapter over its base; the merged model serves anywhere a Hugging Face model does.
    return Exported(out_dir, run_id, [f"merged model written to {out_dir}"],
                    [vllm_command(str(resolve(base)), trained, run_id)])
