"""A preallocated KV cache whose rows can be duplicated and dropped.

transformers' DynamicCache grows by `torch.cat` every step (a third of decode time on CPU,
measured). A static cache writes in place; the causal mask hides the unwritten tail. We add
the two batch operations the sampler needs: fan one prefilled prompt out to n rows, and drop
rows that have finished so no compute is spent on them.
"""
from __future__ import annotations

import copy

import torch
from transformers import StaticCache


def new_cache(model, max_len: int) -> StaticCache:
    return StaticCache(config=model.config, max_cache_len=max_len)


def fan_out(prefilled: StaticCache, rows: int) -> StaticCache:
    """A copy of a one-row cache, repeated to `rows` rows; the original stays reusable."""
    cache = copy.copy(prefilled)
    cache.layers = [copy.copy(layer) for layer in prefilled.layers]
    for layer in cache.layers:
        layer.keys = layer.keys.expand(rows, *layer.keys.shape[1:]).clone()
        layer.values = layer.values.expand(rows, *layer.values.shape[1:]).clone()
        layer.cumulative_length = layer.cumulative_length.clone()
    return cache


def keep_rows(cache: StaticCache, keep: torch.Tensor) -> None:
    """Drop every row not in `keep` (row positions in the current batch)."""
    for layer in cache.layers:
        layer.keys = layer.keys.index_select(0, keep)
        layer.values = layer.values.index_select(0, keep)
