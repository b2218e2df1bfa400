"""Runs any transformers causal LM through its own forward, with a preallocated KV cache whose
rows can be duplicated and dropped.

transformers' DynamicCache grows by `torch.cat` every step (a third of decode time on CPU,
measured). A static cache writes in place; the causal mask hides the unwritten tail. We add
the two batch operations the sampler needs: fan one prefilled prompt out to n rows, and drop
rows that have finished so no compute is spent on them.
"""

from __future__ import annotations

import copy

import torch
from transformers import PreTrainedModel, StaticCache

from core.models import device, packed_linear


class HFRunner:
    speculative = False  # transformers' forward with a static cache has no cheap rewind

    def __init__(self, model: PreTrainedModel, pack: bool, eos_ids: set[int]):
        """`pack`: replace the model's linear layers by packed ones (core.models.packed_linear)."""
        self.model, self.device, self.eos_ids = model, model.device, eos_ids
        self.extra_bytes = packed_linear.pack_linears(model) if pack else 0

    def prefill(self, ids: list[int], capacity: int, scored: int = 1) -> tuple[StaticCache, torch.Tensor]:
        """A one-row cache holding `ids` (room for `capacity` tokens) and the logits at the last
        `scored` positions (core.models.runner.Runner.prefill)."""
        cache = StaticCache(config=self.model.config, max_cache_len=capacity)
        # The ": torch.Tensor" here and below: transformers types a forward's output as Any.
        logits: torch.Tensor = self.model(
            torch.tensor([ids], device=self.device), cache=cache, use_cache=True, logits_to_keep=scored
        ).logits[0]
        return cache, logits

    def step(self, cache: StaticCache, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one new token per row; the cache already holds everything before it."""
        logits: torch.Tensor = self.model(tokens.unsqueeze(-1), cache=cache, use_cache=True).logits[:, -1]
        return logits

    def extend(self, cache: StaticCache, ids: list[int]) -> torch.Tensor:
        raise NotImplementedError("HFRunner is not speculative")

    def rewind(self, cache: StaticCache, positions: int) -> None:
        raise NotImplementedError("HFRunner is not speculative")

    def rows_that_fit(self, prompt_len: int, new_tokens: int) -> int:
        return device.rows_that_fit_in_memory(self.model, prompt_len + new_tokens)

    def logits(self, ids: list[int], start: int = 0) -> torch.Tensor:
        """Teacher-forced logits at the positions of `ids` from `start` on."""
        logits: torch.Tensor = self.model(
            torch.tensor([ids], device=self.device), logits_to_keep=len(ids) - start
        ).logits[0]
        return logits

    @staticmethod
    def fan_out(prefilled: StaticCache, rows: int) -> StaticCache:
        """A copy of a one-row cache, repeated to `rows` rows; the original stays reusable."""
        cache = copy.copy(prefilled)
        cache.layers = [copy.copy(layer) for layer in prefilled.layers]
        # The ignores: transformers types `layers` as a union of every layer kind, with Optional
        # tensors; a prefilled StaticCache holds static layers whose tensors are all allocated.
        for layer in cache.layers:
            layer.keys = layer.keys.expand(rows, *layer.keys.shape[1:]).clone()  # type: ignore[union-attr]
            layer.values = layer.values.expand(rows, *layer.values.shape[1:]).clone()  # type: ignore[union-attr]
            layer.cumulative_length = layer.cumulative_length.clone()  # type: ignore[union-attr]
        return cache

    @staticmethod
    def keep_rows(cache: StaticCache, keep: torch.Tensor) -> None:
        """Drop every row not in `keep` (row positions in the current batch)."""
        for layer in cache.layers:  # the ignores: as in fan_out
            layer.keys = layer.keys.index_select(0, keep)  # type: ignore[union-attr]
            layer.values = layer.values.index_select(0, keep)  # type: ignore[union-attr]
