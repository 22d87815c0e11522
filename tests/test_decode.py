"""The single-conversation decoder: LeanLlama against the transformers forward, prefix reuse."""

import threading

import pytest
import torch

from workbench.batch_decode import decode_batch
from workbench.decode import Decoder
from workbench.grammar import tool_grammar
from workbench.lean_llama import LeanLlama
from workbench.models import load_model, stop_token_ids


@pytest.fixture(scope="module")
def model_and_tokenizer(model_cache):
    return load_model("bundled:smollm2-135m")


def _hf_last_logits(model, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids])).logits[0, -1].float()


def test_lean_forward_matches_transformers_through_steps_and_crops(model_and_tokenizer):
    model, tok = model_and_tokenizer
    assert LeanLlama.supports(model)
    ids = tok("<|im_start|>user\nAdd a task to call the plumber tomorrow<|im_end|>\n<|im_start|>assistant\n",
              add_special_tokens=False)["input_ids"]
    more = tok("<tool_call>\n{\"name\": \"create_task\"", add_special_tokens=False)["input_ids"]
    lean = LeanLlama(model, capacity=16)   # small on purpose: the cache must grow on the way
    seq: list[int] = []
    # A prefill, one token, a few tokens at once, then back to the prompt and a different continuation.
    for chunk, crop in ((ids, None), (more[:1], None), (more[1:6], None), (more[6:7], None), (more[:3], len(ids))):
        if crop is not None:
            lean.crop(crop)
            del seq[crop:]
        seq += chunk
        got = lean.forward(chunk)
        want = _hf_last_logits(model, seq)
        assert lean.length == len(seq)
        assert torch.allclose(got, want, atol=1e-3, rtol=1e-4), (got - want).abs().max()
        assert int(got.argmax()) == int(want.argmax())


def test_int8_weights_keep_the_next_token(model_and_tokenizer):
    model, tok = model_and_tokenizer
    ids = tok("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
              add_special_tokens=False)["input_ids"]
    lean = LeanLlama(model, weights="int8")
    got, want = lean.forward(ids), _hf_last_logits(model, ids)
    assert int(got.argmax()) == int(want.argmax())
    assert torch.nn.functional.cosine_similarity(got, want, dim=0) > 0.99


def _prompts():
    system = "<|im_start|>system\nYou call tools.<|im_end|>\n"
    for request in ("Mark task_12 as done", "Mark task_7 as done", "Delete task_3",
                    "Add a task to call the plumber"):
        yield request, f"{system}<|im_start|>user\n{request}<|im_end|>\n<|im_start|>assistant\n"


def test_lean_and_transformers_decoders_answer_alike(model_and_tokenizer, task_tools):
    model, tok = model_and_tokenizer
    lean = Decoder(model, tok, stop_token_ids(tok), drafting=False)
    plain = Decoder(model, tok, stop_token_ids(tok), lean=None, drafting=False)
    assert lean.lean is not None and plain.lean is None
    grammar = tool_grammar(task_tools, "required")
    for request, prompt in _prompts():
        a, sa = lean.generate(prompt, 40, grammar)
        b, sb = plain.generate(prompt, 40, grammar)
        assert a == b
        assert a.startswith("<tool_call>")
        assert sa.forward_passes == sb.forward_passes
        if request != "Mark task_12 as done":
            assert sa.reused_tokens > 0 and sa.reused_tokens == sb.reused_tokens


@pytest.mark.parametrize(("lean", "constrained"), [("fp32", True), (None, True), ("fp32", False)])
def test_drafting_gives_the_greedy_answer_in_fewer_passes(model_and_tokenizer, task_tools, lean, constrained):
    model, tok = model_and_tokenizer
    drafted = Decoder(model, tok, stop_token_ids(tok), lean=lean)
    greedy = Decoder(model, tok, stop_token_ids(tok), lean=lean, drafting=False)
    grammar = tool_grammar(task_tools, "required") if constrained else None
    saved = 0
    for _, prompt in _prompts():
        a, sa = drafted.generate(prompt, 48, grammar)
        b, sb = greedy.generate(prompt, 48, grammar)
        assert a == b
        assert sa.new_tokens == sb.new_tokens
        assert sa.forward_passes <= sb.forward_passes
        saved += sb.forward_passes - sa.forward_passes
        assert sa.drafted_tokens <= sa.new_tokens
    assert saved > 0


def test_batched_decoding_gives_each_prompt_its_own_greedy_answer(model_and_tokenizer, task_tools):
    """More prompts than slots (a finished case's slot takes the next), mixed budgets and grammars:
    every answer is the one the single-sequence decoder gives."""
    model, tok = model_and_tokenizer
    decoder = Decoder(model, tok, stop_token_ids(tok), drafting=False)
    grammar = tool_grammar(task_tools)
    prompts = [p for _, p in _prompts()] + ["<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n"]
    budgets = [40, 3, 40, 25, 30]
    grammars = [grammar, None, None, grammar, None]
    ended = []
    got = decode_batch(decoder, prompts, budgets, grammars, slots=3, done=lambda i, text, st: ended.append(i))
    assert sorted(ended) == list(range(len(prompts)))
    for prompt, budget, g, (text, stats) in zip(prompts, budgets, grammars, got):
        want, want_stats = decoder.generate(prompt, budget, g)
        assert text == want
        assert stats.new_tokens == want_stats.new_tokens and stats.finish_reason == want_stats.finish_reason
    assert got[1][1].finish_reason == "length" and got[1][1].new_tokens == 3
    # A cancel stops between steps: unfinished cases come back empty and say so.
    cancel = threading.Event()
    cancel.set()
    assert [st.finish_reason for _, st in decode_batch(decoder, prompts, budgets, grammars, cancel=cancel)] \
        == ["cancelled"] * len(prompts)
