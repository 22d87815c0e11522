"""A decode-time forward pass for Llama-family models: preallocated KV cache, optional int8 weights.

`Decoder` answers one conversation at a time, a token or a few forced tokens per pass. On a
CPU that pass is bound by reading the weights, and the transformers forward adds two costs on
top: the KV cache grows by `torch.cat` every step (16% of a step in a profile), and a layer
of Python per module call. `LeanLlama` runs the same modules' weights with the KV cache in
tensors allocated once (cropping for prefix reuse is moving a length), rotary tables
computed once, and `scaled_dot_product_attention`.

`weights="int8"` keeps a copy of every linear layer (and the LM head) as int8 with one scale
per output channel, multiplied by `torch.ops.aten._weight_int8pack_mm`: a quarter of the
bytes per pass. Only the weights are quantised; activations stay in floating point, which is
what keeps the answers (dynamic int8, which quantises activations too, changed them).

Logits match the transformers forward (a test holds fp32 within 1e-3). Other architectures keep
the transformers path: `LeanLlama.supports(model)` says which.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SUPPORTED = ("llama", "mistral", "qwen2")


def _int8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8: (int8 weight [out, in], bf16 scales [out])."""
    w = weight.detach().float()
    scales = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-8)
    q = (w / scales[:, None]).round().clamp(-128, 127).to(torch.int8).contiguous()
    return q, scales.to(torch.bfloat16).contiguous()


class LeanLlama:
    """Forward passes over one sequence whose keys and values stay in preallocated tensors."""

    @staticmethod
    def supports(model) -> bool:
        cfg = model.config
        rope = (getattr(cfg, "rope_parameters", None) or {}).get("rope_type", "default")
        return (cfg.model_type in SUPPORTED and rope == "default" and not getattr(cfg, "sliding_window", None)
                and model.device.type == "cpu" and hasattr(model, "model") and hasattr(model.model, "layers"))

    def __init__(self, model, weights: str = "fp32", capacity: int = 2048):
        if weights not in ("fp32", "int8"):
            raise ValueError(f"weights must be fp32 or int8, not {weights!r}")
        cfg = model.config
        self.layers = list(model.model.layers)
        self.embed, self.norm, self.head = model.model.embed_tokens, model.model.norm, model.lm_head
        self.n_heads = cfg.num_attention_heads
        self.n_kv = cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        self.dtype = next(model.parameters()).dtype
        self.inv_freq = model.model.rotary_emb.inv_freq.float()
        self._packed: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        if weights == "int8":
            for layer in self.layers:
                for lin in (*self._attn(layer), *self._mlp(layer)):
                    self._packed[id(lin)] = _int8(lin.weight)
            self._packed[id(self.head)] = _int8(self.head.weight)
        self.length = 0
        self._alloc(capacity)

    @staticmethod
    def _attn(layer):
        a = layer.self_attn
        return a.q_proj, a.k_proj, a.v_proj, a.o_proj

    @staticmethod
    def _mlp(layer):
        m = layer.mlp
        return m.gate_proj, m.up_proj, m.down_proj

    def _alloc(self, capacity: int) -> None:
        shape = (len(self.layers), self.n_kv, capacity, self.head_dim)
        k, v = torch.zeros(shape, dtype=self.dtype), torch.zeros(shape, dtype=self.dtype)
        if getattr(self, "k", None) is not None and self.length:
            k[:, :, :self.length] = self.k[:, :, :self.length]
            v[:, :, :self.length] = self.v[:, :, :self.length]
        self.k, self.v, self.capacity = k, v, capacity
        freqs = torch.arange(capacity, dtype=torch.float)[:, None] * self.inv_freq[None]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = emb.cos().to(self.dtype), emb.sin().to(self.dtype)

    def crop(self, length: int) -> None:
        """Forget every position from `length` on (prefix reuse)."""
        self.length = min(self.length, length)

    def _linear(self, lin, x: torch.Tensor) -> torch.Tensor:
        packed = self._packed.get(id(lin))
        if packed is None:
            return F.linear(x, lin.weight, lin.bias)
        w, scales = packed
        # bf16 activations: the int8 kernel is vectorised for them (fp32 ones were 10x slower here).
        y = torch.ops.aten._weight_int8pack_mm(x.reshape(-1, x.shape[-1]).to(torch.bfloat16), w, scales)
        y = y.to(x.dtype).reshape(*x.shape[:-1], -1)
        return y if lin.bias is None else y + lin.bias

    @staticmethod
    def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin

    def _qkv(self, layer, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
        """Queries, keys and values of `h` ([b, n, d]) as [b, heads, n, head_dim], rotated."""
        a = layer.self_attn
        b, n, _ = h.shape
        x = layer.input_layernorm(h)
        q = self._linear(a.q_proj, x).view(b, n, self.n_heads, self.head_dim).transpose(1, 2)
        k = self._linear(a.k_proj, x).view(b, n, self.n_kv, self.head_dim).transpose(1, 2)
        v = self._linear(a.v_proj, x).view(b, n, self.n_kv, self.head_dim).transpose(1, 2)
        return self._rotate(q, cos, sin), self._rotate(k, cos, sin), v

    def _out_and_mlp(self, layer, h: torch.Tensor, o: torch.Tensor) -> torch.Tensor:
        """The rest of a layer after attention (`o`: [b, heads, n, head_dim]): output projection, then the MLP."""
        a, m = layer.self_attn, layer.mlp
        b, n, _ = h.shape
        h = h + self._linear(a.o_proj, o.transpose(1, 2).reshape(b, n, -1))
        x = layer.post_attention_layernorm(h)
        return h + self._linear(m.down_proj, m.act_fn(self._linear(m.gate_proj, x)) * self._linear(m.up_proj, x))

    @torch.inference_mode()
    def forward(self, ids: list[int], keep: int = 1):
        """Append `ids` to the sequence; the logits (fp32) after its last token, or with `keep` > 1
        `Rows` of logits after each of its last `keep` tokens."""
        n = len(ids)
        start, end = self.length, self.length + n
        if end > self.capacity:
            self._alloc(max(end, 2 * self.capacity))
        h = self.embed(torch.tensor([ids]))                        # [1, n, d]
        cos, sin = self.cos[start:end][None, None], self.sin[start:end][None, None]
        # A causal mask over the cached positions plus the new ones; one new token sees everything.
        mask = torch.ones(n, end, dtype=torch.bool).tril(diagonal=start) if n > 1 else None
        for i, layer in enumerate(self.layers):
            q, k, v = self._qkv(layer, h, cos, sin)
            self.k[i, :, start:end] = k[0]
            self.v[i, :, start:end] = v[0]
            o = F.scaled_dot_product_attention(q, self.k[i:i + 1, :, :end], self.v[i:i + 1, :, :end], attn_mask=mask,
                                               scale=layer.self_attn.scaling, enable_gqa=self.n_kv != self.n_heads)
            h = self._out_and_mlp(layer, h, o)
        hidden = self.norm(h[0])
        self.length = end
        if keep == 1:
            return self.logits(hidden[-1:])
        return Rows(self, hidden[-keep:])

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """fp32 logits of one normed hidden state ([1, d])."""
        with torch.inference_mode():
            return self._linear(self.head, hidden)[0].float()


class LeanBatch:
    """Several sequences decoded together, a token each per step, over one shared prefix.

    A CPU decoding step is bound by reading memory, and one step reads the weights once for
    the whole batch: eight sequences cost little more than one. The prefix (an evaluation's
    system turn, about 1,000 tokens) is computed once and its keys and values are kept once:
    every slot attends to that one copy and to its own suffix (`_attend` joins the two parts
    in one softmax). Copying the prefix into each slot instead made the cache, not the
    weights, the bulk of every step (810 MB read per step at 16 slots).

    `start` puts a sequence (its tokens after the prefix) in a slot; `step` appends a token
    to every slot."""

    def __init__(self, lean: LeanLlama, slots: int, capacity: int, prefix: list[int]):
        """`capacity`: the longest sequence, prefix included."""
        self.lean, self.slots = lean, slots
        if lean.capacity < capacity + 1:
            lean._alloc(capacity + 1)   # the rotary tables must reach every position
        lean.crop(0)
        if prefix:
            lean.forward(prefix)
        self.prefix = len(prefix)
        self.kp = lean.k[:, :, :self.prefix].clone()   # [layers, kv, prefix, head_dim]
        self.vp = lean.v[:, :, :self.prefix].clone()
        self.room = capacity - self.prefix              # suffix positions per slot
        # One position more than needed: an idle slot writes its dummy token there.
        shape = (len(lean.layers), slots, lean.n_kv, self.room + 1, lean.head_dim)
        self.k, self.v = torch.zeros(shape, dtype=lean.dtype), torch.zeros(shape, dtype=lean.dtype)
        self.lengths = [0] * slots   # suffix tokens in each slot

    @torch.inference_mode()
    def start(self, slot: int, ids: list[int]) -> torch.Tensor:
        """Put a new sequence in `slot`: its tokens after the shared prefix; logits after the last."""
        n = len(ids)
        if n > self.room:
            raise ValueError(f"{self.prefix + n} tokens do not fit a capacity of {self.prefix + self.room}")
        lean = self.lean
        cos, sin = (t[self.prefix:self.prefix + n][None, None] for t in (lean.cos, lean.sin))
        # One pass over many queries: the flash kernel over prefix and suffix joined beats `_attend`
        # (the join copies the prefix's keys once per layer, little against n queries' work).
        mask = torch.ones(n, self.prefix + n, dtype=torch.bool).tril(diagonal=self.prefix) if n > 1 else None
        h = lean.embed(torch.tensor([ids]))
        for i, layer in enumerate(lean.layers):
            q, k, v = lean._qkv(layer, h, cos, sin)
            self.k[i, slot, :, :n] = k[0]
            self.v[i, slot, :, :n] = v[0]
            keys = torch.cat((self.kp[i], k[0]), dim=1)[None]
            values = torch.cat((self.vp[i], v[0]), dim=1)[None]
            o = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask, scale=layer.self_attn.scaling,
                                               enable_gqa=lean.n_kv != lean.n_heads)
            h = lean._out_and_mlp(layer, h, o)
        self.lengths[slot] = n
        return lean.logits(lean.norm(h[0, -1:]))

    @torch.inference_mode()
    def step(self, tokens: list[int | None]) -> torch.Tensor:
        """Append one token to every slot (None: an idle slot, left as it is); logits [slots, vocab]."""
        lean = self.lean
        active = torch.tensor([t is not None for t in tokens])
        if any(t is not None and self.lengths[b] >= self.room for b, t in enumerate(tokens)):
            raise ValueError(f"a slot is full (capacity {self.prefix + self.room})")
        at = torch.tensor([self.lengths[b] if t is not None else self.room for b, t in enumerate(tokens)])
        end = int(at[active].max()) + 1 if bool(active.any()) else 1
        # Each slot sees its own suffix up to the new token; an idle one sees none of it (only the prefix).
        mask = (torch.arange(end)[None] <= at[:, None]) & active[:, None]
        h = lean.embed(torch.tensor([t if t is not None else 0 for t in tokens])[:, None])   # [slots, 1, d]
        cos, sin = (t[self.prefix + at][:, None, None] for t in (lean.cos, lean.sin))
        rows = torch.arange(self.slots)
        for i, layer in enumerate(lean.layers):
            q, k, v = lean._qkv(layer, h, cos, sin)
            self.k[i, rows, :, at] = k[:, :, 0]
            self.v[i, rows, :, at] = v[:, :, 0]
            o = self._attend(layer, i, q, self.k[i, :, :, :end], self.v[i, :, :, :end], mask[:, None, None])
            h = lean._out_and_mlp(layer, h, o)
        for b, t in enumerate(tokens):
            self.lengths[b] += t is not None
        return lean._linear(lean.head, lean.norm(h[:, 0])).float()

    def _attend(self, layer, i: int, q, ks, vs, mask) -> torch.Tensor:
        """Attention of `q` ([b, heads, n, d]) over the shared prefix of layer i and each row's own suffix
        keys `ks`/`vs` ([b, kv, s, d], `mask` [b, 1, n, s] says which it sees); [b, heads, n, d].
        `step` calls it with n = 1; with many queries, `start`'s flash kernel is faster."""
        lean = self.lean
        b, heads, n, d = q.shape
        kv, g = lean.n_kv, heads // lean.n_kv
        qg = q.reshape(b, kv, g * n, d)                  # query head h uses key head h // g
        shared = qg.transpose(0, 1).reshape(kv, b * g * n, d)
        sp = torch.matmul(shared, self.kp[i].transpose(-1, -2))           # [kv, b*g*n, prefix]
        sp = sp.view(kv, b, g * n, -1).transpose(0, 1)                    # [b, kv, g*n, prefix]
        ss = torch.matmul(qg, ks.transpose(-1, -2))                       # [b, kv, g*n, s]
        see = mask.expand(b, 1, n, ks.shape[2]).unsqueeze(2).expand(b, 1, g, n, ks.shape[2]).reshape(b, 1, g * n, -1)
        ss = ss.masked_fill(~see, float("-inf"))
        p = torch.softmax(torch.cat((sp, ss), dim=-1) * layer.self_attn.scaling, dim=-1)
        pp, ps = p[..., :self.prefix], p[..., self.prefix:]
        op = torch.matmul(pp.transpose(0, 1).reshape(kv, b * g * n, -1), self.vp[i])
        o = op.view(kv, b, g * n, d).transpose(0, 1) + torch.matmul(ps, vs)
        return o.reshape(b, heads, n, d)


class Rows:
    """Logits after each of the last tokens of a pass, computed when first asked for.

    The LM head is the largest matrix (49k x 576 for SmolLM2): checking drafted tokens needs
    the rows up to the first wrong guess only, so the others are never computed."""

    def __init__(self, lean: LeanLlama, hidden: torch.Tensor):
        self.lean, self.hidden = lean, hidden
        self._rows: dict[int, torch.Tensor] = {}

    def __len__(self) -> int:
        return self.hidden.shape[0]

    def __getitem__(self, j: int) -> torch.Tensor:
        if j not in self._rows:
            self._rows[j] = self.lean.logits(self.hidden[j:j + 1])
        return self._rows[j]
