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
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

# numpy (120 ms to import) is imported where it is used: the app imports this module at start.

# Every torch op of chat, serving and constrained evaluation runs on this one thread. Each
# OS thread that runs torch ops gets its own OpenMP team, and on 2 cores an idle team that
# spins slows the busy one down by half: a decoding step took 109 ms on a second thread
# after the model was loaded on the main one, and 57 ms with everything on one thread.
_TORCH_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torch")

# The word being written (an id, a name, part of a title), looked up in the prompt to draft from.
_WORD = re.compile(r"[\w#@.'-]{2,}$")
DRAFT_TOKENS = 6


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
    drafted_tokens: int = 0   # guessed from the prompt and confirmed by the model (see Decoder._draft)
    forward_passes: int = 0
    seconds: float = 0.0
    finish_reason: str = "stop"


class Decoder:
    """Greedy decoding for one model, one sequence at a time (a lock serialises callers)."""

    def __init__(self, model, tokenizer, stop_ids: list[int], reuse_prefix: bool = True, lean: str | None = "fp32",
                 drafting: bool = True):
        """`lean`: run Llama-family models on CPU through `LeanLlama` with these weights ("fp32" or
        "int8"); None, or another architecture, uses the transformers forward. `drafting`: guess
        tokens copied from the prompt and check them in the same pass (`_draft`)."""
        from workbench.lean_llama import LeanLlama

        self.model, self.tokenizer = model, tokenizer
        self.stop_ids = set(stop_ids)
        self.reuse_prefix = reuse_prefix
        self.drafting = drafting
        self.device = next(model.parameters()).device
        self.lock = threading.Lock()
        self._ids: list[int] = []   # the token ids whose keys and values are in the cache
        self._cache = None
        # Built on the torch thread like every other torch op (it allocates the cache, packs weights).
        self.lean = on_torch_thread(LeanLlama, model, lean) if lean and LeanLlama.supports(model) else None
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

    def _forward(self, ids: list[int], stats: DecodeStats, keep: int = 1):
        """Run `ids` through the model; logits after the last token (or the last `keep` tokens)."""
        import torch
        from transformers import DynamicCache

        stats.forward_passes += 1
        if self.lean is not None:
            logits = self.lean.forward(ids, keep)
            self._ids.extend(ids)
            return logits
        if self._cache is None:
            self._cache = DynamicCache()
        x = torch.tensor([ids], device=self.device)
        out = self.model(input_ids=x, past_key_values=self._cache, use_cache=True, logits_to_keep=keep)
        self._cache = out.past_key_values
        self._ids.extend(ids)
        return out.logits[0, -1].float() if keep == 1 else out.logits[0].float()

    def _crop(self, length: int) -> None:
        """Forget the cached positions from `length` on."""
        if length >= len(self._ids):
            return
        if self.lean is not None:
            self.lean.crop(length)
        elif length == 0:
            self._cache = None
        else:
            self._cache.crop(length - len(self._ids))
        del self._ids[length:]

    def _start(self, prompt_ids: list[int], stats: DecodeStats):
        """Logits after the prompt, reusing the cached common prefix."""
        import numpy as np

        keep = 0
        if self.reuse_prefix and self._ids:
            n = min(len(self._ids), len(prompt_ids) - 1)  # at least one token must run to get logits
            a, b = np.asarray(self._ids[:n]), np.asarray(prompt_ids[:n])
            diff = np.flatnonzero(a != b)
            keep = int(diff[0]) if diff.size else n
        self._crop(keep)
        stats.reused_tokens = keep
        return self._forward(prompt_ids[keep:], stats)

    # ------------------------------------------------------------------ decoding

    def stream(self, prompt: str, max_new_tokens: int = 256, grammar: str | None = None,
               stats: DecodeStats | None = None, cancel: threading.Event | None = None) -> Iterator[Step]:
        """Yield the continuation of `prompt` piece by piece; `stats` is filled in as it goes.

        The decoding itself runs on the torch thread (see `on_torch_thread`), whoever calls.
        It stops at the next token when `cancel` is set or the caller stops iterating (closes
        this generator): a chat the user cleared or a client that hung up frees the model at once,
        and a request cancelled while it waited for the model never runs its prompt.
        """
        stats = stats if stats is not None else DecodeStats()
        closed = threading.Event()  # this stream's own: set when the caller stops iterating

        def cancelled() -> bool:
            return closed.is_set() or (cancel is not None and cancel.is_set())

        if threading.current_thread().name.startswith("torch"):
            yield from self._decode(prompt, max_new_tokens, grammar, stats, cancelled)
            return
        pieces: queue.Queue = queue.Queue()
        done = object()

        def produce() -> None:
            try:
                for step in self._decode(prompt, max_new_tokens, grammar, stats, cancelled):
                    pieces.put(step)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                pieces.put(exc)
            pieces.put(done)

        _TORCH_THREAD.submit(produce)
        try:
            while (item := pieces.get()) is not done:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            closed.set()  # the caller is gone (or finished): nothing more to decode

    def _decode(self, prompt: str, max_new_tokens: int, grammar: str | None, stats: DecodeStats,
                cancelled) -> Iterator[Step]:
        import torch

        with self.lock, torch.inference_mode():
            if cancelled():  # cancelled while it waited for the model
                stats.finish_reason = "cancelled"
                return
            t0 = time.perf_counter()
            prompt_ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            lowered = prompt.lower()  # where drafts are looked up
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
                if cancelled():
                    stats.finish_reason = "cancelled"
                    break
                if matcher is not None:
                    mask_logits(logits, matcher)
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
                budget = max_new_tokens - stats.new_tokens - 1
                draft = self._draft(prompt, lowered, text, matcher, budget) if self.drafting else []
                if not draft:
                    logits = self._forward(step_ids, stats)
                    continue
                # Check the guesses in the same pass: keep the ones greedy decoding would have made.
                rows = self._forward(step_ids + draft, stats, keep=len(draft) + 1)
                accepted = self._verify(rows, draft, matcher)
                self._crop(len(self._ids) - (len(draft) - len(accepted)))
                logits = rows[len(accepted)]
                if accepted:
                    out_ids.extend(accepted)
                    stats.new_tokens += len(accepted)
                    stats.drafted_tokens += len(accepted)
                    text = self.tokenizer.decode(out_ids, skip_special_tokens=False)
                    if not text.endswith("\ufffd") and len(text) > len(emitted):
                        yield Step(text[len(emitted):], len(accepted))
                        emitted = text
            text = self.tokenizer.decode(out_ids, skip_special_tokens=False)
            if len(text) > len(emitted):  # whatever is still held back (forced tokens at the very end)
                yield Step(text[len(emitted):], 0, True)
            stats.seconds = time.perf_counter() - t0

    def _draft(self, prompt: str, lowered: str, text: str, matcher, budget: int) -> list[int]:
        """Guess the next tokens: bytes the grammar forces, else a copy from the prompt (prompt lookup).

        Arguments are mostly copied from the conversation: an id, a title, a date as written.
        When the word being written occurs in the prompt, the text after its last occurrence
        is the guess, cut to what the grammar allows. Wrong guesses cost a few milliseconds
        (one pass carries them all); right ones save a pass each.
        """
        if budget <= 0:
            return []
        if matcher is not None:
            # Bytes the grammar forces but not as whole tokens (`: "` could start ` "` or ` ""`):
            # the model will almost surely write them as the plain tokenisation.
            forced = matcher.compute_ff_bytes()
            if forced:
                ids = self.tokenizer(forced.decode("utf-8", "replace"), add_special_tokens=False)["input_ids"]
                return ids[:min(matcher.validate_tokens(ids), budget)]
        word = _WORD.search(text)
        if word is None:
            return []
        at = lowered.rfind(word.group().lower())   # `lowered` is `prompt.lower()`, made once per answer
        if at < 0:
            return []
        follow = prompt[at + len(word.group()):at + len(word.group()) + 40]
        if not follow or follow.startswith(("<|", "\n")):
            return []
        ids = self.tokenizer(follow, add_special_tokens=False)["input_ids"][:min(DRAFT_TOKENS, budget)]
        if matcher is not None:
            ids = ids[:matcher.validate_tokens(ids)]
        return ids

    def _verify(self, rows, draft: list[int], matcher) -> list[int]:
        """The longest prefix of `draft` that greedy decoding (under the grammar) agrees with.

        `rows[j]` holds the logits after the first j draft tokens; accepted tokens are consumed."""
        import torch

        accepted: list[int] = []
        for j, token in enumerate(draft):
            row = rows[j]
            if matcher is not None:
                mask_logits(row, matcher)
            if int(torch.argmax(row)) != token or token in self.stop_ids:
                break
            if matcher is not None and not matcher.consume_token(token):
                raise RuntimeError(f"grammar error: {matcher.get_error()}")
            accepted.append(token)
        return accepted

    @staticmethod
    def _forced(matcher, budget: int) -> list[int]:
        """Tokens the grammar allows one way only from here (consumed), at most `budget`."""
        if matcher is None or budget <= 0:
            return []
        forced = matcher.compute_ff_tokens()[:budget]
        if forced and not matcher.consume_tokens(forced):
            raise RuntimeError(f"grammar rejected its own forced tokens: {matcher.get_error()}")
        return forced

    def generate(self, prompt: str, max_new_tokens: int = 256, grammar: str | None = None,
                 cancel: threading.Event | None = None) -> tuple[str, DecodeStats]:
        stats = DecodeStats()
        text = "".join(s.text for s in self.stream(prompt, max_new_tokens, grammar, stats, cancel))
        return text, stats


def mask_logits(logits, matcher) -> None:
    """Set the logits of the tokens `matcher` does not allow next to -inf (in place)."""
    import numpy as np
    import torch

    bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
    allowed = np.unpackbits(bits, bitorder="little")[: logits.shape[0]].astype(bool)
    if allowed.shape[0] < logits.shape[0]:
        allowed = np.pad(allowed, (0, logits.shape[0] - allowed.shape[0]))
    logits.masked_fill_(~torch.from_numpy(allowed).to(logits.device), float("-inf"))
