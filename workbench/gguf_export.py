"""A run as a GGUF file for llama.cpp and Ollama, with its chat template inside, and an Ollama Modelfile.

The conversion is llama.cpp's own: `convert_hf_to_gguf.py` with its `conversion` package and the
`gguf-py` it was written against. llama.cpp does not publish that code on PyPI, so `make install`
takes it from the pinned llama-cpp-python sdist (its vendored llama.cpp) without building
anything: writing tensor layouts by hand would drift from what llama.cpp reads. It runs as a
subprocess (its own `gguf` import, its own logging), which also lets a long export be cancelled.

f16 and q8_0 come straight from the converter. q4_k_m needs llama.cpp's compiled quantizer: a
`llama-quantize` on PATH or llama-cpp-python's binding; without either the export says so.

The GGUF carries the workbench chat template (without the `{% generation %}` markers, which
only transformers knows) as `tokenizer.chat_template`, so `llama-server --jinja` renders the
tools and calls as the model was trained. The Modelfile for Ollama bakes the run's own system
turn (its system prompt and its tools, written as in training) into SYSTEM: Ollama's Go
templates cannot write the compact tool lines (nor JSON with the workbench's spacing), so the
toolset the model learned is given to it verbatim; the tools a client sends reach Ollama's
tool-call parser, which reads the `<tool_call>` blocks the TEMPLATE names.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.chat_format import CALL_CLOSE, CALL_OPEN, IM_END, IM_START, chat_template, system_block
from workbench.export import ExportError, building, merge_adapter
from workbench.fileio import atomic_write_text
from workbench.inference import adapter_system_prompt, is_adapter, trained_tool_format

QUANTS = ("f16", "q8_0", "q4_k_m")
LLAMA_CPP_ENV = "WORKBENCH_LLAMA_CPP"   # a llama.cpp checkout to convert with instead of the installed one
CONVERTER = "convert_hf_to_gguf.py"
LORA_CONVERTER = "convert_lora_to_gguf.py"
# How the converter logs its work: one line per tensor, then the writer's progress bar.
_TENSOR = re.compile(r"^INFO:(?:hf-to-gguf|lora-to-gguf):(?:blk\.\d+\.|token_embd|output)")
_WRITING = re.compile(r"Writing:\s+(\d+)%")


def converter_dir() -> Path:
    """Where llama.cpp's conversion code lies: $WORKBENCH_LLAMA_CPP, else the copy `make install` put in the venv."""
    where = Path(os.environ.get(LLAMA_CPP_ENV) or Path(sys.prefix) / "llama.cpp")
    if not (where / CONVERTER).is_file():
        raise ExportError(f"{where / CONVERTER}: llama.cpp's converter is not installed; run `make install`, "
                          f"or set {LLAMA_CPP_ENV} to a llama.cpp checkout")
    return where


def gguf_template(tool_format: str) -> str:
    """The workbench chat template as llama.cpp and Jinja2 read it: transformers' generation markers removed."""
    return chat_template(tool_format, generation=False)


def _staged(model_dir: Path, tool_format: str, where: Path) -> Path:
    """The model directory as the converter should see it: every file linked, the chat template swapped."""
    for f in model_dir.iterdir():
        if f.is_file() and f.name != "chat_template.jinja":
            os.symlink(f.resolve(), where / f.name)
    (where / "chat_template.jinja").write_text(gguf_template(tool_format), encoding="utf-8")
    return where


def convert(model_dir: Path, out_file: Path, quant: str = "f16", tool_format: str = "compact",
            progress: Callable[[float, str], None] | None = None, cancel: threading.Event | None = None) -> Path:
    """Write a whole Hugging Face model directory as one GGUF file, atomically (a temporary name, then renamed).

    `progress(fraction, what)` is called as the converter reads tensors and writes the file; setting
    `cancel` stops it and leaves nothing behind."""
    if quant not in QUANTS:
        raise ExportError(f"--quant {quant}: one of {', '.join(QUANTS)}")
    if out_file.exists():
        raise ExportError(f"{out_file}: exists; the export never overwrites")
    where = converter_dir()
    quantizer = _quantizer() if quant == "q4_k_m" else None  # refuse before converting, not after
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gguf-", dir=out_file.parent) as tmp:
        stage = Path(tmp) / "model"
        stage.mkdir()
        _staged(model_dir, tool_format, stage)
        first = Path(tmp) / ("model-f16.gguf" if quantizer else out_file.name)
        _run_converter(where, stage, first, "f16" if quantizer else quant, progress, cancel)
        if quantizer:
            if progress:
                progress(0.95, "quantizing to q4_k_m")
            done = Path(tmp) / out_file.name
            quantizer(first, done)
            first = done
        os.replace(first, out_file)
    if progress:
        progress(1.0, "written")
    return out_file


def convert_adapter(adapter_dir: Path, base_dir: Path, out_file: Path, quant: str = "f16",
                    progress: Callable[[float, str], None] | None = None,
                    cancel: threading.Event | None = None) -> Path:
    """A PEFT LoRA adapter as a GGUF LoRA (llama.cpp's `--lora`, Ollama's ADAPTER), for a base the user
    already runs; `base_dir` is the base's Hugging Face directory (the converter reads its config)."""
    if quant not in ("f16", "q8_0"):
        raise ExportError(f"--quant {quant}: an adapter is written as f16 or q8_0")
    if out_file.exists():
        raise ExportError(f"{out_file}: exists; the export never overwrites")
    where = converter_dir()
    with tempfile.TemporaryDirectory(prefix=".gguf-", dir=out_file.parent) as tmp:
        part = Path(tmp) / out_file.name
        _run_converter(where, adapter_dir, part, quant, progress, cancel, LORA_CONVERTER, ("--base", str(base_dir)))
        os.replace(part, out_file)
    return out_file


def _run_converter(where: Path, model_dir: Path, out_file: Path, outtype: str,
                   progress: Callable[[float, str], None] | None, cancel: threading.Event | None,
                   script: str = CONVERTER, extra: tuple[str, ...] = ()) -> None:
    cmd = [sys.executable, str(where / script), str(model_dir), "--outfile", str(out_file), "--outtype", outtype,
           *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1)
    tail: list[str] = []
    tensors = 0
    try:
        assert proc.stdout is not None
        # tqdm redraws with "\r": read by character groups so the writer's progress shows while it writes.
        for line in _lines(proc.stdout):
            if cancel is not None and cancel.is_set():
                proc.kill()
                raise ExportError("export cancelled")
            tail = (tail + [line])[-20:]
            if _TENSOR.match(line):
                tensors += 1
                if progress:
                    progress(min(0.45, tensors / 600), f"reading tensors ({tensors})")
            elif (m := _WRITING.search(line)) and progress:
                progress(0.5 + 0.45 * int(m.group(1)) / 100, f"writing {outtype}")
        rc = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if rc != 0:
        raise ExportError(f"llama.cpp's converter failed (exit {rc}):\n" + "\n".join(tail))


def _lines(stream):
    buf = ""
    while chunk := stream.read(256):
        buf += chunk
        *done, buf = re.split(r"[\r\n]", buf)
        yield from (d for d in done if d)
    if buf:
        yield buf


def _quantizer() -> Callable[[Path, Path], None]:
    """llama.cpp's k-quant quantizer: `llama-quantize` on PATH, else llama-cpp-python's binding."""
    exe = shutil.which("llama-quantize")
    if exe:
        def run(src: Path, dst: Path) -> None:
            done = subprocess.run([exe, str(src), str(dst), "Q4_K_M"], capture_output=True, text=True)
            if done.returncode != 0:
                raise ExportError(f"llama-quantize failed:\n{done.stderr[-2000:]}")
        return run
    try:
        import ctypes

        import llama_cpp
    except ImportError:
        raise ExportError("q4_k_m needs llama.cpp's quantizer: put llama-quantize on PATH or install "
                          "llama-cpp-python (pip builds it from source); f16 and q8_0 need neither") from None

    def bind(src: Path, dst: Path) -> None:
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
        if llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params)) != 0:
            raise ExportError(f"llama.cpp could not quantize {src}")
    return bind


# ---------------------------------------------------------------- Ollama

def ollama_template() -> str:
    """The Modelfile's TEMPLATE: ChatML as the workbench renders it (workbench.chat_format.render), in
    Ollama's Go template dialect. A call is `<tool_call>` + {"name": ..., "arguments": ...} on its own
    line (Ollama finds its tool-call parser's prefix here), consecutive tool results share one user
    turn, and a turn ends with <|im_end|>. Ollama writes `.Function.Arguments` as JSON without the
    workbench's spaces after `,` and `:`: only a call earlier in the conversation is written that way.
    A `{{-` trims the text before it, so it only ever follows another action, never the format's text."""
    return (
        "{{- if or .System .Tools }}" + IM_START + "system\n{{ .System }}" + IM_END + "\n{{ end }}"
        "{{- $prev := \"\" }}"
        "{{- range $i, $m := .Messages }}"
        "{{- $last := eq (len (slice $.Messages $i)) 1 }}"
        "{{- if eq .Role \"assistant\" }}" + IM_START + "assistant\n"
        "{{ if .Content }}{{ .Content }}{{ end }}"
        "{{- range $j, $c := .ToolCalls }}{{ if or $j $m.Content }}\n{{ end }}"
        + CALL_OPEN + "\n{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}\n"
        + CALL_CLOSE + "{{ end }}"
        "{{- if not $last }}" + IM_END + "\n{{ end }}"
        "{{- else if eq .Role \"tool\" }}"
        "{{- if ne $prev \"tool\" }}" + IM_START + "user{{ end }}\n<tool_response>\n{{ .Content }}\n</tool_response>"
        "{{- if or $last (ne (index (slice $.Messages $i) 1).Role \"tool\") }}" + IM_END + "\n{{ end }}"
        "{{- else }}" + IM_START + "{{ .Role }}\n{{ .Content }}" + IM_END + "\n{{ end }}"
        "{{- if and $last (ne .Role \"assistant\") }}" + IM_START + "assistant\n{{ end }}"
        "{{- $prev = .Role }}"
        "{{- end }}"
    )


def modelfile(gguf_name: str, system: str, tools: list[dict] | None, tool_format: str, adapter: str = "") -> str:
    """An Ollama Modelfile: FROM the GGUF (`adapter`: a GGUF LoRA put over it), the run's system turn as
    trained, the template, the stop token."""
    block = system_block(system, tools, tool_format)
    if '"""' in block:
        raise ExportError('the system prompt contains """, which a Modelfile cannot quote')
    source = gguf_name if os.path.isabs(gguf_name) else f"./{gguf_name}"
    return "\n".join([
        f"FROM {source}",
        *([f"ADAPTER ./{adapter}"] if adapter else []),
        f'SYSTEM """{block}"""',
        f'TEMPLATE """{ollama_template()}"""',
        f'PARAMETER stop "{IM_END}"',
        "PARAMETER temperature 0",
        "",
    ])


@dataclass
class GgufExport:
    gguf: Path              # the whole model, or with `adapter` the base it goes over
    modelfile: Path
    name: str
    adapter: Path | None = None
    template: Path | None = None   # the chat template for llama-server, when the base's GGUF has another

    def commands(self) -> list[str]:
        server = f"llama-server -m {self.gguf} --jinja --port 8080"
        if self.adapter is not None:
            server += f" --lora {self.adapter} --chat-template-file {self.template}"
        return [f"ollama create {self.name} -f {self.modelfile}", server]


def base_gguf(base: str) -> Path | None:
    """The base model as a GGUF the user already has: the bundled model's own file."""
    from workbench.models import BUNDLED, bundled_gguf

    name = base.removeprefix("bundled:")
    return bundled_gguf(name) if base.startswith("bundled:") and name in BUNDLED else None


def export_gguf(trained: Path, base: str, out_dir: Path, quant: str = "f16", name: str = "workbench-model",
                default_tools: list[dict] | None = None, default_prompt: str = "", adapter_only: bool = False,
                progress: Callable[[float, str], None] | None = None,
                cancel: threading.Event | None = None) -> GgufExport:
    """A finished run (its adapter over `base`, or its fully fine-tuned model) as `out_dir/NAME-QUANT.gguf`
    and `out_dir/Modelfile`; with `adapter_only`, its LoRA adapter alone as `NAME-lora-QUANT.gguf`, over
    the bundled base's own GGUF (or, for another base, the base converted beside it). The directory
    appears whole or not at all."""
    from workbench.models import resolve

    converter_dir()  # a missing converter is said before a merge that takes a while
    if adapter_only and not is_adapter(trained):
        raise ExportError(f"{trained}: a fully fine-tuned run has no adapter; export the whole model")
    meta_path = trained / "workbench.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    tools = meta.get("tools") or default_tools
    tool_format = trained_tool_format(trained)
    system = adapter_system_prompt(trained, default_prompt)
    with building(out_dir) as ready:
        work = ready.parent
        ready.mkdir()
        if adapter_only:
            lora = convert_adapter(trained, Path(resolve(base)), ready / f"{name}-lora-{quant}.gguf", quant,
                                   progress, cancel)
            under = base_gguf(base)
            if under is None:   # a base the workbench did not bring: converted once, beside the adapter
                under = convert(Path(resolve(base)), ready / f"base-{quant}.gguf", quant, tool_format, progress,
                                cancel)
            template = ready / "chat_template.jinja"
            atomic_write_text(template, gguf_template(tool_format))
            source = str(under) if under.parent != ready else under.name
            atomic_write_text(ready / "Modelfile", modelfile(source, system, tools, tool_format, lora.name))
            final = out_dir / under.name if under.parent == ready else under
            done = GgufExport(final, out_dir / "Modelfile", name, out_dir / lora.name, out_dir / template.name)
        else:
            model_dir = trained
            if is_adapter(trained):
                if progress:
                    progress(0.0, "merging the adapter into its base")
                model_dir = merge_adapter(base, trained, work / "merged")
            gguf = convert(model_dir, ready / f"{name}-{quant}.gguf", quant, tool_format, progress, cancel)
            atomic_write_text(ready / "Modelfile", modelfile(gguf.name, system, tools, tool_format))
            done = GgufExport(out_dir / gguf.name, out_dir / "Modelfile", name)
    return done
