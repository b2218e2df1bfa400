"""Nucleus sampling (core.sampling.sampler.nucleus_sample) against the textbook procedure: sort the whole
vocabulary, cut to top_k, renormalise, cut to the nucleus, invert the CDF; and against the
distribution transformers' warpers define."""

import pytest
import torch

from core.sampling import sampler
from core.sampling.params import SamplingParams

VOCAB = 8192
UNIFORMS = torch.linspace(0.0005, 0.9995, 300)


def reference(logits, temperature, top_k, top_p, uniform_per_row):
    out = []
    for row, u in zip(torch.softmax(logits / temperature, -1), uniform_per_row):
        p, ids = row.sort(descending=True)
        if top_k:
            p, ids = p[:top_k] / p[:top_k].sum(), ids[:top_k]
        keep = (p.cumsum(0) - p) < top_p
        p, ids = p[keep], ids[keep]
        cdf = p.cumsum(0)
        out.append(int(ids[int(torch.searchsorted(cdf, u * cdf[-1], right=True).clamp(max=len(p) - 1))]))
    return out


def rows_needing_each_window():
    """Logits whose 0.95-nucleus holds about 4, 300 and 7,000 tokens: the first window, the
    second, the whole vocabulary. Token ids are shuffled so that rank is not id."""
    gen = torch.Generator().manual_seed(0)
    rows = []
    for slope in (1.0, 0.01, 0.0002):
        rank_logits = -torch.arange(VOCAB, dtype=torch.float32) * slope
        rows.append(rank_logits[torch.argsort(torch.randperm(VOCAB, generator=gen))])
    return torch.stack(rows)


def nucleus_sizes(logits, top_p):
    p = torch.softmax(logits, -1).sort(-1, descending=True).values
    return ((p.cumsum(-1) - p) < top_p).sum(-1).tolist()


@pytest.mark.slow
def test_every_window_draws_what_a_full_sort_draws_and_rows_do_not_affect_each_other():
    logits = rows_needing_each_window()
    small, medium, large = nucleus_sizes(logits, 0.95)
    assert small <= sampler.NUCLEUS_WINDOWS[0] < medium <= sampler.NUCLEUS_WINDOWS[1] < large
    for u in UNIFORMS.tolist():
        uniforms = torch.full((3,), u)
        batched = sampler.nucleus_sample(logits, 1.0, 0, 0.95, uniforms)[0].tolist()
        assert batched == reference(logits, 1.0, 0, 0.95, uniforms)
        alone = [sampler.nucleus_sample(logits[i : i + 1], 1.0, 0, 0.95, uniforms[:1])[0].item() for i in range(3)]
        assert alone == batched


@pytest.mark.slow
def test_top_k_alone_and_with_top_p():
    logits = rows_needing_each_window()
    for top_k, top_p in ((5, 1.0), (2000, 0.95), (50, 0.95)):
        seen = set()
        for u in UNIFORMS.tolist():
            uniforms = torch.full((3,), u)
            drawn = sampler.nucleus_sample(logits, 0.7, top_k, top_p, uniforms)[0].tolist()
            assert drawn == reference(logits, 0.7, top_k, top_p, uniforms)
            seen.update(drawn)
        allowed = set(logits.topk(top_k, -1).indices.flatten().tolist())
        assert seen <= allowed


def test_draws_follow_the_renormalised_nucleus():
    # 0.5, 0.3, 0.15 reach top_p=0.9 (mass before the third is 0.8): those three are the nucleus.
    probs = torch.tensor([0.5, 0.3, 0.15, 0.04] + [0.01 / 96] * 96)
    drawn, _ = sampler.nucleus_sample(probs.log().expand(len(UNIFORMS), -1), 1.0, 0, 0.9, UNIFORMS)
    counts = torch.bincount(drawn, minlength=100)
    assert counts[3:].sum() == 0
    expected = torch.tensor([0.5, 0.3, 0.15]) / 0.95 * len(UNIFORMS)
    assert (counts[:3] - expected).abs().max() <= 1


@pytest.mark.parametrize("temperature, top_k, top_p", [(0.8, 0, 0.95), (0.7, 40, 0.9), (1.0, 0, 0.5)])
def test_draws_follow_the_distribution_transformers_samples_from(temperature, top_k, top_p):
    """transformers' temperature, top-k and top-p warpers define the distribution that the
    baselines of bench_sampling, and most tools, sample from. Evenly spaced uniforms turn
    inverse-CDF draws into each token's probability."""
    from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    # Nuclei of 3-39 tokens in the first row and of 74-214 in the second (cut to 40 where top_k=40).
    logits = torch.randn(2, 256, generator=torch.Generator().manual_seed(0)) * torch.tensor([[2.0], [0.5]])
    scores = TemperatureLogitsWarper(temperature)(None, logits.clone())
    if top_k:
        scores = TopKLogitsWarper(top_k)(None, scores)
    expected = torch.softmax(TopPLogitsWarper(top_p)(None, scores), -1)
    draws = 4000
    uniforms = (torch.arange(draws) + 0.5) / draws
    for row, want in zip(logits, expected):
        drawn, _ = sampler.nucleus_sample(row.expand(draws, -1), temperature, top_k, top_p, uniforms)
        frequencies = torch.bincount(drawn, minlength=len(row)) / draws
        assert ((frequencies > 0) == (want > 0)).all()
        assert (frequencies - want).abs().max() <= 1 / draws + 1e-6


@pytest.mark.parametrize(
    "temperature, top_k, top_p", [(0.8, 0, 0.95), (0.7, 3, 1.0), (0.7, 2000, 0.95), (1.0, 0, 1.0), (0.0, 0, 0.95)]
)
def test_alternatives_are_the_likeliest_tokens_however_sampling_is_set(temperature, top_k, top_p):
    logits = rows_needing_each_window()
    generators = {row: sampler.row_generator(0, row) for row in range(3)}
    params = SamplingParams(temperature=temperature, top_k=top_k, top_p=top_p, top_alternatives=5)
    _, step = sampler._choose(logits, [0, 1, 2], generators, params)
    expected = torch.log_softmax(logits, -1).topk(5, dim=-1)
    assert step.top_ids == expected.indices.tolist()
    assert torch.allclose(torch.tensor(step.top_logprobs), expected.values)
