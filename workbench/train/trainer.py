"""`WorkbenchTrainer`: TRL's SFTTrainer with a loss that does only the work the loss needs.

Two changes to the textbook SFT step, both exact (a test compares them to the plain loss):

1. Shared prefix. Every example of a project starts with the same system turn (the tool
   definitions: about 800 of 950 tokens for the Task API). Batches hold examples that
   share it, so the prefix runs once per batch and its key/value cache is repeated for
   each example: the suffixes attend to it and gradients flow back through it.
2. Logits only where there is a label. The LM head (49k x 576 for SmolLM2) runs on the
   positions whose next token is trained (the assistant turns, about 10% of tokens),
   never over the whole sequence.

Optionally the training loss weights the tokens that decide a call (`decision_weight`;
see `chat_format.decision_points`). The eval loss is always the plain per-token mean.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import DynamicCache
from trl import SFTTrainer

from workbench.train.data import IGNORE, PrefixBatchSampler, collate


def _backbone_and_head(model):
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.get_decoder(), base.get_output_embeddings()


def _label_loss(head, hidden: torch.Tensor, labels: torch.Tensor,
                weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed (weighted) cross-entropy over labelled positions only; position t predicts token t+1."""
    targets = labels[:, 1:]
    keep = targets != IGNORE
    logits = head(hidden[:, :-1][keep])
    losses = F.cross_entropy(logits.float(), targets[keep], reduction="none")
    if weights is not None:
        losses = losses * weights[:, 1:][keep].to(losses.dtype)
    return losses.sum(), keep.sum()


def _prefix_cache(backbone, prefix_ids: torch.Tensor) -> DynamicCache:
    # An explicit cache: in training mode the model would otherwise decline to build one.
    cache = DynamicCache(config=backbone.config)
    backbone(input_ids=prefix_ids[None], past_key_values=cache, use_cache=True)
    # Gradient checkpointing silently drops caches; then the suffixes would not see the prefix.
    if cache.get_seq_length() != prefix_ids.numel():
        raise RuntimeError("the prefix cache was not filled (gradient checkpointing?); set shared_prefix=False")
    return cache


def _suffix_hidden(backbone, cache: DynamicCache, input_ids, attention_mask, plen: int) -> torch.Tensor:
    batch, width = input_ids.shape
    device = input_ids.device
    mask = torch.cat([torch.ones(batch, plen, dtype=attention_mask.dtype, device=device), attention_mask], 1)
    positions = torch.arange(plen, plen + width, device=device)[None].expand(batch, -1)
    return backbone(input_ids=input_ids, attention_mask=mask, past_key_values=cache, position_ids=positions,
                    use_cache=True).last_hidden_state


def shared_prefix_loss(model, prefix_ids: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                       labels: torch.Tensor, shared: bool = True,
                       weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of (weighted) token losses, number of trained tokens) for one batch sharing `prefix_ids`."""
    backbone, head = _backbone_and_head(model)
    batch = input_ids.shape[0]
    plen = prefix_ids.numel()
    if plen and shared:
        cache = _prefix_cache(backbone, prefix_ids)
        cache.batch_repeat_interleave(batch)
        hidden = _suffix_hidden(backbone, cache, input_ids, attention_mask, plen)
    else:
        device = input_ids.device
        full = torch.cat([prefix_ids[None].expand(batch, -1), input_ids], 1)
        mask = torch.cat([torch.ones(batch, plen, dtype=attention_mask.dtype, device=device), attention_mask], 1)
        hidden = backbone(input_ids=full, attention_mask=mask).last_hidden_state[:, plen:]
    return _label_loss(head, hidden, labels, weights)


def shared_prefix_backward(model, prefix_ids, input_ids, attention_mask, labels, denom, chunk: int,
                           backward, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Forward and backward for one batch, the suffixes `chunk` at a time. Returns the (detached) loss.

    The prefix runs once. Its keys and values are handed to each chunk as detached leaves,
    so a chunk's activations are freed by its own backward; the gradients the chunks leave
    on those leaves are then sent back through the prefix in one backward. The result is
    the same gradient as one big batch, with the memory of one chunk plus the prefix.
    """
    backbone, head = _backbone_and_head(model)
    plen = prefix_ids.numel()
    cache = _prefix_cache(backbone, prefix_ids)
    originals = [(layer.keys, layer.values) for layer in cache.layers]
    leaves = [(k.detach().requires_grad_(True), v.detach().requires_grad_(True)) for k, v in originals]
    total = torch.zeros((), device=input_ids.device)
    denom = torch.as_tensor(denom, device=input_ids.device).clamp(min=1)
    for start in range(0, input_ids.shape[0], chunk):
        ids = input_ids[start:start + chunk]
        n = ids.shape[0]
        part = DynamicCache(config=backbone.config)
        for i, (k, v) in enumerate(leaves):
            part.update(k.expand(n, -1, -1, -1), v.expand(n, -1, -1, -1), i)
        hidden = _suffix_hidden(backbone, part, ids, attention_mask[start:start + chunk], plen)
        loss_sum, _ = _label_loss(head, hidden, labels[start:start + chunk],
                                  None if weights is None else weights[start:start + chunk])
        loss = loss_sum / denom
        backward(loss)
        total += loss.detach()
    tensors, grads = [], []
    for (k, v), (lk, lv) in zip(originals, leaves):
        for t, leaf in ((k, lk), (v, lv)):
            if leaf.grad is not None:
                tensors.append(t)
                grads.append(leaf.grad)
    if tensors:
        torch.autograd.backward(tensors, grads)
    return total


class EvaluationCut(Exception):
    """A stop was requested while evaluating: the evaluation is abandoned, not finished."""


class WorkbenchTrainer(SFTTrainer):
    def __init__(self, *args, train_features=None, eval_features=None, pad_id: int = 0, shared_prefix: bool = True,
                 suffix_chunk: int = 0, stop_requested=lambda: False, **kwargs):
        self.train_features = train_features or []
        self.eval_features = eval_features or []
        self.pad_id = pad_id
        self.shared_prefix = shared_prefix
        self.suffix_chunk = suffix_chunk  # >0: backward the suffixes this many at a time (bounded memory)
        self.stop_requested = stop_requested  # a stop must not wait for a whole evaluation
        self.tokens_seen = 0          # prompt + completion tokens of every example trained on
        self.tokens_started = time.monotonic()
        super().__init__(*args, **kwargs)
        # Our loss divides by the number of trained tokens across gradient-accumulation steps itself.
        self.model_accepts_loss_kwargs = True
        self.loss_is_scaled_for_ga = True

    def _loader(self, features, shuffle: bool) -> DataLoader:
        sampler = PrefixBatchSampler(features, self.args.per_device_train_batch_size if shuffle
                                     else self.args.per_device_eval_batch_size, self.args.seed, shuffle=shuffle)
        loader = DataLoader(features, batch_sampler=sampler, collate_fn=lambda b: collate(b, self.pad_id),
                            num_workers=0)
        return self.accelerator.prepare(loader)

    def get_train_dataloader(self) -> DataLoader:
        return self._loader(self.train_features, shuffle=True)

    def get_eval_dataloader(self, eval_dataset=None) -> DataLoader:
        return self._loader(self.eval_features, shuffle=False)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        num_tokens = inputs.pop("num_tokens", None)
        weights = inputs.pop("loss_weights", None)
        weights = weights if model.training else None  # eval loss: the plain per-token mean
        loss_sum, n = shared_prefix_loss(model, inputs["prefix_ids"], inputs["input_ids"], inputs["attention_mask"],
                                         inputs["labels"], shared=self.shared_prefix, weights=weights)
        denom = num_items_in_batch if num_items_in_batch is not None else n
        loss = loss_sum / torch.as_tensor(denom, device=loss_sum.device).clamp(min=1)
        if model.training and num_tokens is not None:
            self.tokens_seen += int(num_tokens)
        return (loss, {"loss": loss}) if return_outputs else loss

    def training_step(self, model, inputs, num_items_in_batch=None):
        chunked = self.shared_prefix and self.suffix_chunk > 0 and self.accelerator.num_processes == 1
        if not chunked or inputs["input_ids"].shape[0] <= self.suffix_chunk:
            return super().training_step(model, inputs, num_items_in_batch)
        model.train()
        inputs = self._prepare_inputs(inputs)
        num_tokens = inputs.pop("num_tokens", None)
        denom = num_items_in_batch if num_items_in_batch is not None else (inputs["labels"][:, 1:] != IGNORE).sum()
        with self.compute_loss_context_manager():
            loss = shared_prefix_backward(model, inputs["prefix_ids"], inputs["input_ids"], inputs["attention_mask"],
                                          inputs["labels"], denom, self.suffix_chunk, self.accelerator.backward,
                                          inputs.get("loss_weights"))
        if num_tokens is not None:
            self.tokens_seen += int(num_tokens)
        return loss

    def evaluate(self, *args, **kwargs):
        # An empty result logs nothing: a val loss over part of the split would read as a real point.
        if self.stop_requested():
            return {}
        try:
            return super().evaluate(*args, **kwargs)
        except EvaluationCut:
            self.model.train()
            return {}

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        if self.stop_requested():
            raise EvaluationCut
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            inputs.pop("num_tokens", None)
            inputs.pop("loss_weights", None)  # eval loss stays the plain per-token mean, comparable across runs
            loss_sum, n = shared_prefix_loss(model, inputs["prefix_ids"], inputs["input_ids"],
                                             inputs["attention_mask"], inputs["labels"], shared=self.shared_prefix)
        return (loss_sum / n.clamp(min=1)).detach(), None, None
