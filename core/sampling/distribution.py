"""What temperature, top-k and top-p do to one next-token distribution (the picture behind the
Codex paper's Figures 5 and 6), computed from cached logits with no forward pass, by the same
rules as `core.sampling.sampler.nucleus_sample`: softmax of logits / T; top-k keeps the k likeliest and
renormalises; top-p keeps the smallest likeliest prefix whose mass reaches p (the first token
always stays) and renormalises; T = 0 is greedy.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Shaped:
    token_ids: list[int]  # the `show` likeliest tokens under the raw distribution, likeliest first
    raw: list[float]  # their probabilities under the model's own distribution
    shaped: list[float]  # their probabilities as the sampler draws them (0 outside the kept set)
    kept: int  # how many tokens of the whole vocabulary the sampler can draw (the nucleus size)
    shaped_mass_shown: float  # sum of `shaped`: the share of draws that land on a shown token


@dataclass(frozen=True)
class SortedLogits:
    """One position's raw logits, likeliest first, with their token ids. Sorting a 152k vocabulary
    took 17 of the 21 ms of each redraw on machine B; the order does not depend on the knobs, so a
    view sorts once per position and shapes at every move of a slider."""

    values: torch.Tensor
    token_ids: torch.Tensor


def sort_logits(logits: torch.Tensor) -> SortedLogits:
    """`logits`: one position's raw logits (1-D)."""
    flat = logits.float().reshape(-1)
    order = torch.argsort(flat, descending=True, stable=True)
    return SortedLogits(flat[order], order)


def shape(
    logits: torch.Tensor | SortedLogits, temperature: float, top_k: int = 0, top_p: float = 1.0, show: int = 20
) -> Shaped:
    """`logits`: one position's raw logits (1-D), or them sorted by `sort_logits`. Temperature,
    top-k and top-p keep the order of the tokens, so the likeliest raw tokens are also the
    likeliest shaped ones."""
    ordered = logits if isinstance(logits, SortedLogits) else sort_logits(logits)
    values = ordered.values
    raw_sorted = torch.softmax(values, dim=-1)
    if temperature == 0:
        shaped_sorted = torch.zeros_like(raw_sorted)
        shaped_sorted[0] = 1.0
    else:
        shaped_sorted = torch.softmax(values / temperature, dim=-1)
        if top_k and top_k < len(shaped_sorted):
            shaped_sorted[top_k:] = 0.0
            shaped_sorted = shaped_sorted / shaped_sorted.sum()
        if top_p < 1.0:
            mass_before = shaped_sorted.cumsum(-1) - shaped_sorted
            shaped_sorted = shaped_sorted.masked_fill(mass_before >= top_p, 0.0)
            shaped_sorted = shaped_sorted / shaped_sorted.sum()
    return Shaped(
        token_ids=ordered.token_ids[:show].tolist(),
        raw=raw_sorted[:show].tolist(),
        shaped=shaped_sorted[:show].tolist(),
        kept=int((shaped_sorted > 0).sum()),
        shaped_mass_shown=float(shaped_sorted[:show].sum()),
    )
