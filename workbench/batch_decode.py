"""Greedy decoding of many prompts at once: an evaluation's cases, several slots a step.

`Decoder` answers one conversation at a time: right for chat and serving, slow for an
evaluation, where each of dozens of cases costs a full read of the weights per token. Here
the cases share their system turn (computed once, copied into every slot), and every step
advances all slots together (`LeanBatch`); a slot whose case ends takes the next case at
once (continuous batching), so one long case holds back no other.

A grammar applies per slot (each case has its own matcher). Drafting and multi-token forced
appends are single-sequence tricks and are not used here: a forced token is the only one
its slot's mask allows, so greedy decoding picks it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.decode import Decoder, DecodeStats, on_torch_thread

# 16 sequences step in about 2.4x one's time on 2 CPU cores, 8 in 1.9x (docs/benchmarks.md): more
# slots, more throughput, as long as the cases keep them full. Their caches are capped in bytes.
SLOTS = 16
CACHE_BYTES = 1 << 30


@dataclass
class _Slot:
    case: int
    budget: int
    matcher: object | None
    stats: DecodeStats
    started: float
    out: list[int] = field(default_factory=list)


def supports(decoder: Decoder) -> bool:
    """Whether `decode_batch` can run on this decoder's model (CPU Llama-family: `LeanLlama`)."""
    return decoder.lean is not None


def decode_batch(decoder: Decoder, prompts: list[str], budgets: list[int], grammars: list[str | None],
                 slots: int = SLOTS, cancel: threading.Event | None = None,
                 done: Callable[[int, str, DecodeStats], None] | None = None) -> list[tuple[str, DecodeStats]]:
    """Decode every prompt greedily within its budget (under its grammar, if any): (text, stats) per prompt,
    in order. `done(i, text, stats)` is called as each case ends (in any order). Setting `cancel` stops
    between steps; the cases not finished by then come back empty with finish_reason "cancelled"."""
    if not supports(decoder):
        raise ValueError("batched decoding needs a Llama-family model on CPU (LeanLlama)")
    return on_torch_thread(_decode_batch, decoder, prompts, budgets, grammars, slots, cancel, done)


def _decode_batch(decoder, prompts, budgets, grammars, slots, cancel, done):
    import torch

    from workbench.decode import mask_logits
    from workbench.lean_llama import LeanBatch

    tok = decoder.tokenizer
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    prefix = _common_prefix(ids)
    capacity = max(len(i) + b for i, b in zip(ids, budgets)) + 1
    results: list[tuple[str, DecodeStats] | None] = [None] * len(prompts)
    lean = decoder.lean
    per_slot = 2 * len(lean.layers) * lean.n_kv * (capacity - prefix + 1) * lean.head_dim * lean.k.element_size()
    slots = max(1, min(slots, len(prompts), CACHE_BYTES // per_slot))
    with decoder.lock, torch.inference_mode():
        batch = LeanBatch(lean, slots, capacity, ids[0][:prefix])
        decoder._ids = list(ids[0][:prefix])   # what the single-sequence cache now holds (reused by the next chat)
        waiting = deque(range(len(prompts)))
        running: list[_Slot | None] = [None] * batch.slots
        tokens: list[int | None] = [None] * batch.slots

        def finish(b: int, reason: str) -> None:
            slot = running[b]
            slot.stats.finish_reason = reason
            slot.stats.seconds = time.perf_counter() - slot.started
            text = tok.decode(slot.out, skip_special_tokens=False)
            results[slot.case] = (text, slot.stats)
            running[b], tokens[b] = None, None
            if done:
                done(slot.case, text, slot.stats)

        def choose(b: int, logits) -> None:
            """Take slot b's next token from its logits; end its case on a stop token, the grammar's end
            or its budget."""
            slot = running[b]
            if slot.matcher is not None:
                mask_logits(logits, slot.matcher)
            token = int(torch.argmax(logits))
            if slot.matcher is not None and not slot.matcher.consume_token(token):
                raise RuntimeError(f"grammar error: {slot.matcher.get_error()}")
            slot.stats.new_tokens += 1
            if token in decoder.stop_ids:
                return finish(b, "stop")
            slot.out.append(token)
            if slot.matcher is not None and slot.matcher.is_stopped():
                return finish(b, "stop")
            if slot.stats.new_tokens >= slot.budget:
                return finish(b, "length")
            tokens[b] = token

        while waiting or any(running):
            if cancel is not None and cancel.is_set():
                break
            for b in range(batch.slots):   # idle slots take the next cases
                while running[b] is None and waiting:
                    i = waiting.popleft()
                    stats = DecodeStats(prompt_tokens=len(ids[i]), reused_tokens=prefix, forward_passes=1)
                    matcher = decoder.matcher(grammars[i]) if grammars[i] else None
                    running[b] = _Slot(i, budgets[i], matcher, stats, time.perf_counter())
                    choose(b, batch.start(b, ids[i][prefix:]))
            if any(t is not None for t in tokens):
                logits = batch.step(tokens)
                for b, t in enumerate(tokens):
                    if t is not None:
                        running[b].stats.forward_passes += 1
                        choose(b, logits[b])
    for i, r in enumerate(results):
        if r is None:
            results[i] = ("", DecodeStats(prompt_tokens=len(ids[i]), finish_reason="cancelled"))
    return results


def _common_prefix(ids: list[list[int]]) -> int:
    """Tokens every prompt starts with, leaving at least one of each prompt to run."""
    n = min(len(i) for i in ids) - 1
    first = ids[0]
    for other in ids[1:]:
        n = next((j for j in range(n) if other[j] != first[j]), n)
    return max(n, 0)
