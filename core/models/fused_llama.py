"""A lean forward pass for Llama-family models (Llama, Mistral, Qwen2), which most local code
models are: the same arithmetic as transformers' modules, with less around it.

Decoding runs every layer once per token. On a CPU, transformers' forward spent about 45% of a
batch-1 step outside the matrix products, and its attention, which repeats the KV heads of a
grouped-query model, took most of a batch-20 step at 300 cached positions (measured:
BENCHMARKS.md). Here the projections that read the same input are fused (q|k|v, gate|up), the
cache keeps a fill length instead of a mask, the query heads that share a KV head attend to it
together, and a step is one loop over the layers. The norms, rotary tables and activation are
the model's own modules, so a prompt's logits are bit-identical to transformers' (tested).

The fused matrices take the projections' place: the model keeps its embedding and norms, but its
own forward no longer runs (it would need the weights twice).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import torch
import torch.nn.functional as F

from core.models import device, packed_linear

if TYPE_CHECKING:
    from transformers import PreTrainedModel

# A model's submodules are reached by name, in any Llama-family layout (supports() checks it);
# torch types a module's attributes as Tensor | Module, so the layout is held as Any.
Layout = Any
Linear = Callable[[torch.Tensor], torch.Tensor]

ARCHITECTURES = ("llama", "mistral", "qwen2")
_ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
_MLP = ("gate_proj", "up_proj", "down_proj")


def supports(model: Layout) -> bool:
    """Llama-family models with full attention in every layer and the usual module layout."""
    config = model.config
    if config.model_type not in ARCHITECTURES or not hasattr(model, "lm_head"):
        return False
    if not all(hasattr(model.model, name) for name in ("layers", "rotary_emb", "norm")):
        return False  # a layout from another transformers version: its own forward knows it
    layers = model.model.layers
    if not all(hasattr(layer.mlp, "act_fn") for layer in layers):
        return False
    windows = [getattr(layer.self_attn, "sliding_window", None) for layer in layers]
    if config.model_type == "mistral":  # Mistral masks by config.sliding_window in every layer
        windows.append(getattr(config, "sliding_window", None))
    return (
        not any(windows)
        and all(type(getattr(layer.self_attn, n, None)) is torch.nn.Linear for n in _ATTENTION for layer in layers)
        and all(type(getattr(layer.mlp, n, None)) is torch.nn.Linear for n in _MLP for layer in layers)
    )


class _Moved(torch.nn.Module):
    """Left where a projection was: its weight now lives in one of FusedLlama's fused matrices."""

    def forward(self, *_args: object, **_kwargs: object) -> NoReturn:
        raise RuntimeError(
            "this model's projections were fused for decoding; run it through core.models.fused_llama.FusedLlama"
        )


def _linear(linears: list[torch.nn.Linear], pack: bool) -> Linear:
    """One linear layer computing all of `linears` side by side."""
    bias: torch.Tensor | None
    if len(linears) == 1 and not pack:  # nothing to merge: the weight is used where it is
        weight, bias = linears[0].weight.detach(), linears[0].bias
        return lambda x: F.linear(x, weight, bias)
    weight = torch.cat([lin.weight.detach() for lin in linears])
    biases = [lin.bias for lin in linears]
    bias = (
        None
        if all(b is None for b in biases)
        else torch.cat(
            [b.detach() if b is not None else weight.new_zeros(lin.out_features) for b, lin in zip(biases, linears)]
        )
    )
    if pack:
        return packed_linear.PackedLinear(weight, bias)
    return lambda x: F.linear(x, weight, bias)


@dataclass
class Cache:
    keys: list[torch.Tensor]  # per layer: (rows, kv_heads, capacity, head_dim)
    values: list[torch.Tensor]
    length: int  # positions filled; every row has the same, since rows advance in lockstep


class _Layer:
    def __init__(self, layer: Layout, pack: bool):
        attn, mlp = layer.self_attn, layer.mlp
        self.norm_in, self.norm_mid, self.act = layer.input_layernorm, layer.post_attention_layernorm, mlp.act_fn
        self.qkv = _linear([attn.q_proj, attn.k_proj, attn.v_proj], pack)
        self.q_heads = attn.q_proj.out_features // attn.head_dim
        self.o = _linear([attn.o_proj], pack)
        self.gate_up = _linear([mlp.gate_proj, mlp.up_proj], pack)
        self.down = _linear([mlp.down_proj], pack)
        self.scaling = attn.scaling
        for module, names in ((attn, _ATTENTION), (mlp, _MLP)):
            for name in names:
                setattr(module, name, _Moved())


class FusedLlama:
    speculative = True

    def __init__(self, model: PreTrainedModel, pack: bool, eos_ids: set[int]):
        """Takes `model`'s projection weights (see the module docstring); `pack`: pack them for
        oneDNN's bf16 kernels (core.models.packed_linear)."""
        self.model, self.device, self.eos_ids = model, model.device, eos_ids
        llama: Layout = model
        config = model.config.get_text_config()
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.rotate_half = sys.modules[type(llama.model.layers[0].self_attn).__module__].rotate_half
        self.layers = [_Layer(layer, pack) for layer in llama.model.layers]
        # The model's own modules around the layers, looked up once rather than on every step.
        self.embed, self.rotary, self.final_norm = (
            llama.get_input_embeddings(),
            llama.model.rotary_emb,
            llama.model.norm,
        )
        head = llama.lm_head
        tied = head.weight.data_ptr() == self.embed.weight.data_ptr()
        self.head = _linear([head], pack)
        # A packed head is a copy: an untied original is dropped, a tied one stays with the input embedding.
        self.extra_bytes = head.weight.numel() * head.weight.element_size() if pack and tied else 0
        if pack and not tied:
            llama.lm_head = _Moved()

    def prefill(self, ids: list[int], capacity: int, scored: int = 1) -> tuple[Cache, torch.Tensor]:
        """A one-row cache holding `ids` (room for `capacity` tokens) and the logits at the last
        `scored` positions (core.models.runner.Runner.prefill; the head runs only there)."""
        cache = self._empty_cache(capacity)
        return cache, self.head(self._forward(torch.tensor([ids], device=self.device), cache)[0, -scored:])

    def step(self, cache: Cache, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one new token per row; the cache already holds everything before it."""
        return self.head(self._forward(tokens.unsqueeze(-1), cache)[:, -1])

    def extend(self, cache: Cache, ids: list[int]) -> torch.Tensor:
        """Feed several tokens to a one-row cache; returns the logits after each of them."""
        return self.head(self._forward(torch.tensor([ids], device=self.device), cache)[0])

    @staticmethod
    def rewind(cache: Cache, positions: int) -> None:
        """Forget the last `positions` positions fed; decoding writes over them."""
        cache.length -= positions

    def rows_that_fit(self, prompt_len: int, new_tokens: int) -> int:
        return device.rows_that_fit_in_memory(self.model, prompt_len + new_tokens)

    def logits(self, ids: list[int], start: int = 0) -> torch.Tensor:
        """Teacher-forced logits at the positions of `ids` from `start` on (the head, a large share
        of a pass, runs only there)."""
        hidden = self._forward(torch.tensor([ids], device=self.device), self._empty_cache(len(ids)))[0]
        return self.head(hidden[start:])

    def _empty_cache(self, capacity: int) -> Cache:
        shape = (1, self.kv_heads, capacity, self.head_dim)
        dtype = self.embed.weight.dtype
        return Cache(
            [torch.zeros(shape, dtype=dtype, device=self.device) for _ in self.layers],
            [torch.zeros(shape, dtype=dtype, device=self.device) for _ in self.layers],
            0,
        )

    @staticmethod
    def fan_out(prefilled: Cache, rows: int) -> Cache:
        """A copy of a one-row cache, repeated to `rows` rows; the original stays reusable."""

        def widen(t: torch.Tensor) -> torch.Tensor:
            return t.expand(rows, *t.shape[1:]).clone()

        return Cache([widen(k) for k in prefilled.keys], [widen(v) for v in prefilled.values], prefilled.length)

    @staticmethod
    def keep_rows(cache: Cache, keep: torch.Tensor) -> None:
        """Drop every row not in `keep` (row positions in the current batch)."""
        cache.keys = [k.index_select(0, keep) for k in cache.keys]
        cache.values = [v.index_select(0, keep) for v in cache.values]

    def _forward(self, ids: torch.Tensor, cache: Cache) -> torch.Tensor:
        """The final hidden states of `ids`, appended to `cache`; the head is left to callers,
        which need it at one position or all."""
        rows, new = ids.shape
        start, end = cache.length, cache.length + new
        x = self.embed(ids)
        cos, sin = self.rotary(x, torch.arange(start, end, device=self.device).unsqueeze(0))
        cos, sin = cos.unsqueeze(2), sin.unsqueeze(2)  # broadcast over heads in (rows, new, heads, head_dim)
        for layer, keys, values in zip(self.layers, cache.keys, cache.values):
            qkv = layer.qkv(layer.norm_in(x)).view(rows, new, -1, self.head_dim)
            # Queries and keys are rotated in one go: transformers' formula, half the small ops.
            qk = qkv[:, :, : layer.q_heads + self.kv_heads]
            qk = qk * cos + self.rotate_half(qk) * sin
            q, k = qk[:, :, : layer.q_heads].transpose(1, 2), qk[:, :, layer.q_heads :].transpose(1, 2)
            keys[:, :, start:end] = k
            values[:, :, start:end] = qkv[:, :, layer.q_heads + self.kv_heads :].transpose(1, 2)
            x = x + layer.o(self._attend(q, keys[:, :, :end], values[:, :, :end], layer.scaling))
            gate, up = layer.gate_up(layer.norm_mid(x)).chunk(2, dim=-1)
            x = x + layer.down(layer.act(gate) * up)
        cache.length = end
        hidden: torch.Tensor = self.final_norm(x)
        return hidden

    def _attend(self, q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, scale: float) -> torch.Tensor:
        """Attention of the new positions in `q` (rows, heads, new, head_dim) over the filled cache;
        returns (rows, new, heads * head_dim)."""
        rows, heads, new, _ = q.shape
        if new > 1:
            filled = keys.shape[2]
            # Each new position sees the filled cache and the new positions up to itself. sdpa's own
            # causal mask aligns the first query with the first key: right only for a prompt.
            mask = (
                None if filled == new else torch.ones(new, filled, dtype=torch.bool, device=q.device).tril(filled - new)
            )
            out = F.scaled_dot_product_attention(
                q, keys, values, attn_mask=mask, is_causal=mask is None, scale=scale, enable_gqa=True
            )
            return out.transpose(1, 2).reshape(rows, new, -1)
        # One new token sees every filled position, so no mask: the query heads that share a KV head
        # can stand in for query positions of it. The same numbers as enable_gqa, 4-7x faster on a
        # CPU at 300 positions (measured), and no copy of the KV heads as transformers makes.
        grouped = q.reshape(rows, self.kv_heads, heads // self.kv_heads, self.head_dim)
        out = F.scaled_dot_product_attention(grouped, keys, values, scale=scale)
        return out.reshape(rows, 1, -1)
