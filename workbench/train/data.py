"""Tokenised training data: shared prefix, suffix, and labels on the assistant turns only.

Every example is rendered with the workbench chat format and split into
- the prefix: the system turn (system prompt plus tool definitions), identical for every
  example of a project, about 800 tokens for the Task API;
- the suffix: the conversation, about 100-200 tokens,
with labels only on the assistant turns (`<|im_end|>` included, so the model learns to stop),
and a loss weight per token (1, or `decision_weight` on the tokens that decide the call).
Batches are built from examples that share a prefix, so the trainer can run the prefix
once per batch (`WorkbenchTrainer`), and sorted by length within a bucket to waste
little on padding.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from workbench.chat_format import (
    DEFAULT_TOOL_FORMAT,
    IM_END,
    IM_START,
    assistant_token_mask,
    decision_points,
    render,
    system_block,
    token_weights,
)
from workbench.examples import Example

IGNORE = -100


@dataclass
class Features:
    prefix_key: str          # hash of the prefix token ids
    prefix_ids: list[int]
    input_ids: list[int]     # the suffix
    labels: list[int]        # the suffix's labels (-100 outside assistant turns)
    weights: list[float] = field(default_factory=list)  # loss weight per suffix token; empty: all 1

    @property
    def total_tokens(self) -> int:
        return len(self.prefix_ids) + len(self.input_ids)


def prefix_text(messages: list[dict], tools: list[dict] | None, system_prompt: str,
                tool_format: str = DEFAULT_TOOL_FORMAT) -> str:
    system = system_prompt
    if messages and messages[0].get("role") == "system":
        system = messages[0].get("content") or ""
    block = system_block(system, tools, tool_format)
    return f"{IM_START}system\n{block}{IM_END}\n" if block else ""


def featurize(ex: Example, tokenizer, system_prompt: str, default_tools: list[dict] | None = None,
              decision_weight: float = 1.0, tool_format: str = DEFAULT_TOOL_FORMAT) -> Features:
    """Tokenise one example into prefix and suffix, with assistant-only labels and loss weights."""
    tools = ex.tools if ex.tools is not None else default_tools
    rendered = render(ex.messages, tools, system_prompt=system_prompt, tool_format=tool_format)
    head = prefix_text(ex.messages, tools, system_prompt, tool_format)
    assert rendered.text.startswith(head)
    # Tokenising the two parts separately gives the same ids as the whole text: the
    # boundary is a newline followed by the special token <|im_start|>. (Tested.)
    prefix_ids = tokenizer(head, add_special_tokens=False)["input_ids"] if head else []
    enc = tokenizer(rendered.text[len(head):], add_special_tokens=False, return_offsets_mapping=True)
    shifted = [(a - len(head), b - len(head)) for a, b in rendered.spans]
    mask = assistant_token_mask(enc["offset_mapping"], shifted)
    labels = [t if m else IGNORE for t, m in zip(enc["input_ids"], mask)]
    weights: list[float] = []
    if decision_weight != 1.0:
        points = [p - len(head) for p in decision_points(rendered)]
        weights = token_weights(enc["offset_mapping"], points, decision_weight)
    key = hashlib.sha1(str(prefix_ids).encode()).hexdigest()[:12]
    return Features(key, prefix_ids, enc["input_ids"], labels, weights)


def featurize_all(examples: list[Example], tokenizer, system_prompt: str, max_length: int,
                  default_tools: list[dict] | None = None,
                  decision_weight: float = 1.0,
                  tool_format: str = DEFAULT_TOOL_FORMAT) -> tuple[list[Features], list[str]]:
    """Features for every example that fits, and a note for each one dropped."""
    out, dropped = [], []
    for ex in examples:
        f = featurize(ex, tokenizer, system_prompt, default_tools, decision_weight, tool_format)
        if f.total_tokens > max_length:
            dropped.append(f"{ex.id}: {f.total_tokens} tokens > max_length {max_length}")
        elif not any(label != IGNORE for label in f.labels):
            dropped.append(f"{ex.id}: no assistant turn to train on")
        else:
            out.append(f)
    return out, dropped


class PrefixBatchSampler:
    """Batches of indices whose examples share a prefix, similar lengths together, shuffled per epoch.

    Deterministic for a seed and epoch (resume continues the same order).
    """

    def __init__(self, features: list[Features], batch_size: int, seed: int, shuffle: bool = True):
        self.features, self.batch_size, self.seed, self.shuffle = features, batch_size, seed, shuffle
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        groups: dict[str, list[int]] = {}
        for i, f in enumerate(self.features):
            groups.setdefault(f.prefix_key, []).append(i)
        batches: list[list[int]] = []
        for key in sorted(groups):
            idx = groups[key]
            if self.shuffle:
                rng.shuffle(idx)
            # Sort within buckets of 8 batches by length: little padding, still random across buckets.
            bucket = self.batch_size * 8
            for b in range(0, len(idx), bucket):
                chunk = sorted(idx[b:b + bucket], key=lambda i: len(self.features[i].input_ids))
                batches.extend(chunk[j:j + self.batch_size] for j in range(0, len(chunk), self.batch_size))
        if self.shuffle:
            rng.shuffle(batches)
        return batches

    def __iter__(self):
        return iter(self.batches())

    def __len__(self) -> int:
        return len(self.batches())


def collate(batch: list[Features], pad_id: int) -> dict:
    """One shared prefix plus right-padded suffixes.

    With loss weights, `loss_weights` is scaled so that it sums to the number of trained
    tokens: the loss keeps the scale of a plain per-token mean, and only the share of the
    gradient that goes to each token changes.
    """
    import torch

    prefix = batch[0].prefix_ids
    assert all(f.prefix_ids == prefix for f in batch), "a batch must share its prefix"
    width = max(len(f.input_ids) for f in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    weighted = any(f.weights for f in batch)
    weights = torch.ones((len(batch), width)) if weighted else None
    for i, f in enumerate(batch):
        n = len(f.input_ids)
        ids[i, :n] = torch.tensor(f.input_ids)
        labels[i, :n] = torch.tensor(f.labels)
        mask[i, :n] = 1
        if weighted and f.weights:
            weights[i, :n] = torch.tensor(f.weights)
    out = {"prefix_ids": torch.tensor(prefix, dtype=torch.long), "input_ids": ids, "labels": labels,
           "attention_mask": mask, "num_tokens": torch.tensor(len(prefix) * len(batch) + int(mask.sum()))}
    if weighted:
        trained = labels != IGNORE
        out["loss_weights"] = weights * trained.sum() / weights[trained].sum()
    return out
