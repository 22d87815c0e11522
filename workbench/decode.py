"""Fast single-conversation decoding: prefix KV reuse, grammar constraints, forced tokens, streaming.

Chat and the server answer one conversation at a time, and consecutive requests share
most of their prompt: the system prompt and tool definitions (about 850 tokens for the
Task API), and in a chat every earlier turn. `Decoder` keeps the KV cache of the last
sequence it saw and, for the next prompt, crops it back to the longest common token
prefix and runs only the rest. The same code runs on CPU and CUDA.

With a grammar (workbench.grammar), each step is masked to the tokens the grammar allows,
and where the grammar allows exactly one continuation (`<tool_call>\\n{"name": "`, the rest
of a tool name, `", "arguments": {`), those tokens are appended in one forward pass
instead of being decoded one by one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

# Every torch op of chat, serving and constrained evaluation runs on this one thread. Each
# OS thread that runs torch ops gets its own OpenMP team, and on 2 cores an idle team that
# spins slows the busy one down by half: a decoding step took 109 ms on a second thread
# after the model was loaded on the main one, and 57 ms with everything on one thread.
_TORCH_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torch")


def on_torch_thread(fn, *args, **kwargs):
    """Run `fn` on the torch thread and return its result (re-entrant: runs inline there)."""
    if threading.current_thread().name.startswith("torch"):
        return fn(*args, **kwargs)
    return _TORCH_THREAD.submit(fn, *args, **kwargs).result()


@dataclass
class Step:
    """A piece of streamed output."""

    text: str
    tokens: int
    forced: bool = False


@dataclass
class DecodeStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0
    new_tokens: int = 0
    forced_tokens: int = 0
    forward_passes: int = 0
    seconds: float = 0.0
    finish_reason: str = "stop"


class Decoder:
    """Greedy decoding for one model, one sequence at a time (a lock serialises callers)."""

    def __init__(self, model, tokenizer, stop_ids: list[int], reuse_prefix: bool = True):
        self.model, self.tokenizer = model, tokenizer
        self.stop_ids = set(stop_ids)
        self.reuse_prefix = reuse_prefix
        self.device = next(model.parameters()).device
        self.lock = threading.Lock()
        self._ids: list[int] = []   # the token ids whose keys and values are in _cache
        self._cache = None
        self._ll_tokenizer = None

    @property
    def ll_tokenizer(self):
        if self._ll_tokenizer is None:  # about a second to build; only when a grammar is first used
            import llguidance.hf

            self._ll_tokenizer = llguidance.hf.from_tokenizer(self.tokenizer, eos_token=min(self.stop_ids))
        return self._ll_tokenizer

    def matcher(self, grammar: str):
        import llguidance

        m = llguidance.LLMatcher(self.ll_tokenizer, grammar, log_level=0)
        if m.is_error():
            raise ValueError(f"grammar: {m.get_error()}")
        return m

    # ------------------------------------------------------------------ the model

    def _forward(self, ids: list[int], stats: DecodeStats):
        import torch
        from transformers import DynamicCache

        if self._cache is None:
            self._cache = DynamicCache()
        x = torch.tensor([ids], device=self.device)
        out = self.model(input_ids=x, past_key_values=self._cache, use_cache=True, logits_to_keep=1)
        self._cache = out.past_key_values
        self._ids.extend(ids)
        stats.forward_passes += 1
        return out.logits[0, -1].float()

    def _start(self, prompt_ids: list[int], stats: DecodeStats):
        """Logits after the prompt, reusing the cached common prefix."""
        keep = 0
        if self.reuse_prefix and self._cache is not None:
            n = min(len(self._ids), len(prompt_ids) - 1)  # at least one token must run to get logits
            a, b = np.asarray(self._ids[:n]), np.asarray(prompt_ids[:n])
            diff = np.flatnonzero(a != b)
            keep = int(diff[0]) if diff.size else n
        if keep == 0:
            self._cache, self._ids = None, []
        elif keep < len(self._ids):
            self._cache.crop(keep - len(self._ids))
            del self._ids[keep:]
        stats.reused_tokens = keep
        return self._forward(prompt_ids[keep:], stats)

    # ------------------------------------------------------------------ decoding

    def stream(self, prompt: str, max_new_tokens: int = 256, grammar: str | None = None,
               stats: DecodeStats | None = None) -> Iterator[Step]:
        """Yield the continuation of `prompt` piece by piece; `stats` is filled in as it goes.

        The decoding itself runs on the torch thread (see `on_torch_thread`), whoever calls.
        """
        stats = stats if stats is not None else DecodeStats()
        pieces: queue.Queue = queue.Queue()
        done = object()

        def produce() -> None:
            try:
                for step in self._decode(prompt, max_new_tokens, grammar, stats):
                    pieces.put(step)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                pieces.put(exc)
            pieces.put(done)

        if threading.current_thread().name.startswith("torch"):
            yield from self._decode(prompt, max_new_tokens, grammar, stats)
            return
        _TORCH_THREAD.submit(produce)
        while (item := pieces.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item

    def _decode(self, prompt: str, max_new_tokens: int, grammar: str | None, stats: DecodeStats) -> Iterator[Step]:
        import torch

        with self.lock, torch.inference_mode():
            t0 = time.perf_counter()
            prompt_ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            stats.prompt_tokens = len(prompt_ids)
            matcher = self.matcher(grammar) if grammar else None
            logits = self._start(prompt_ids, stats)
            out_ids: list[int] = []
            emitted = ""
            stats.finish_reason = "length"
            # Tokens the grammar forces before anything is sampled (`<tool_call>\n{"name": "` when a call is required).
            step_ids = self._forced(matcher, max_new_tokens)
            if step_ids:
                out_ids.extend(step_ids)
                stats.new_tokens += len(step_ids)
                stats.forced_tokens += len(step_ids)
                logits = self._forward(step_ids, stats)
            while stats.new_tokens < max_new_tokens:
                if matcher is not None:
                    self._mask(logits, matcher)
                token = int(torch.argmax(logits))
                if matcher is not None and not matcher.consume_token(token):
                    raise RuntimeError(f"grammar error: {matcher.get_error()}")
                stats.new_tokens += 1
                if token in self.stop_ids:
                    stats.finish_reason = "stop"
                    break
                # What the grammar forces after this token rides along in the same forward pass.
                forced = self._forced(matcher, max_new_tokens - stats.new_tokens)
                step_ids = [token] + forced
                stop_at = next((i for i, t in enumerate(forced) if t in self.stop_ids), None)
                if stop_at is not None:
                    step_ids = step_ids[: stop_at + 1]
                out_ids.extend(step_ids)
                stats.new_tokens += len(step_ids) - 1 + (stop_at is not None)
                stats.forced_tokens += len(step_ids) - 1
                text = self.tokenizer.decode(out_ids, skip_special_tokens=False)
                if not text.endswith("\ufffd") and len(text) > len(emitted):  # wait for whole UTF-8 characters
                    yield Step(text[len(emitted):], len(step_ids), bool(forced))
                    emitted = text
                if stop_at is not None or (matcher is not None and matcher.is_stopped()):
                    stats.finish_reason = "stop"
                    break
                logits = self._forward(step_ids, stats)
            text = self.tokenizer.decode(out_ids, skip_special_tokens=False)
            if len(text) > len(emitted):  # whatever is still held back (forced tokens at the very end)
                yield Step(text[len(emitted):], 0, True)
            stats.seconds = time.perf_counter() - t0

    @staticmethod
    def _forced(matcher, budget: int) -> list[int]:
        """Tokens the grammar allows one way only from here (consumed), at most `budget`."""
        if matcher is None or budget <= 0:
            return []
        forced = matcher.compute_ff_tokens()[:budget]
        if forced and not matcher.consume_tokens(forced):
            raise RuntimeError(f"grammar rejected its own forced tokens: {matcher.get_error()}")
        return forced

    def generate(self, prompt: str, max_new_tokens: int = 256, grammar: str | None = None) -> tuple[str, DecodeStats]:
        stats = DecodeStats()
        text = "".join(s.text for s in self.stream(prompt, max_new_tokens, grammar, stats))
        return text, stats

    def _mask(self, logits, matcher) -> None:
        import torch

        bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
        allowed = np.unpackbits(bits, bitorder="little")[: logits.shape[0]].astype(bool)
        if allowed.shape[0] < logits.shape[0]:
            allowed = np.pad(allowed, (0, logits.shape[0] - allowed.shape[0]))
        logits.masked_fill_(~torch.from_numpy(allowed).to(logits.device), float("-inf"))
