"""The bundled model: converted from its GGUF once, then loaded offline from the cache, and it generates."""

import json
import time

import pytest

from workbench.chat_format import assistant_token_mask, render
from workbench.examples import ExampleFile
from workbench.models import ModelError, load_model, load_tokenizer, resolve, stop_token_ids

pytestmark = pytest.mark.model


def test_bundled_model_loads_offline_and_generates(model_cache):
    import torch

    model, tok = load_model("bundled:smollm2-135m")
    assert (model_cache / "models" / "smollm2-135m" / "model.safetensors").exists()
    config = json.loads((model_cache / "models" / "smollm2-135m" / "config.json").read_text())
    assert "quantization_config" not in config
    prompt = render([{"role": "user", "content": "What is the capital of France?"}], None,
                    system_prompt="You are a helpful assistant.", add_generation_prompt=True).text
    ids = tok(prompt, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=40, do_sample=False, eos_token_id=stop_token_ids(tok),
                             pad_token_id=tok.pad_token_id)
    new = out[0, ids["input_ids"].shape[1]:]
    text = tok.decode(new, skip_special_tokens=True)
    assert "Paris" in text
    # It stopped on <|im_end|> rather than running to the token limit.
    assert new[-1].item() in stop_token_ids(tok) and len(new) < 40


def test_second_load_comes_from_the_cache(model_cache):
    resolve("bundled:smollm2-135m")  # converted by now
    start = time.perf_counter()
    load_model("bundled:smollm2-135m")
    # Not a speed goal (that lives in bench/); a reconversion would take tens of seconds.
    assert time.perf_counter() - start < 15


def test_trained_tokens_decode_to_the_assistant_turns(model_cache):
    tok = load_tokenizer("bundled:smollm2-135m")
    ef = ExampleFile.load("sample_tools/task_api/seed.jsonl")
    for ex in ef.examples:
        r = render(ex.messages, ex.tools, system_prompt="Today is 2026-03-02.")
        enc = tok(r.text, return_offsets_mapping=True, add_special_tokens=False)
        mask = assistant_token_mask(enc["offset_mapping"], r.spans)
        trained = tok.decode([t for t, m in zip(enc["input_ids"], mask) if m])
        assert trained == r.trained_text(), ex.id
        assert 0 < sum(mask) < len(mask)


def test_unknown_models_fail_clearly(tmp_path):
    with pytest.raises(ModelError, match="no bundled model named"):
        resolve("bundled:gpt-7")
    with pytest.raises(ModelError, match="not a Hugging Face model directory"):
        resolve(str(tmp_path))
    with pytest.raises(ModelError, match="unknown model"):
        resolve("no-such-model")
