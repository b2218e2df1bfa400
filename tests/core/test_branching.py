"""Issue 20's engine parts: a forced prefix (branch from a token, `generate --prefix`) and the
next-token distribution under temperature, top-k and top-p, checked against the sampler itself."""

import pytest
import torch

from core.sampling.distribution import shape, sort_logits
from core.sampling.params import InvalidParams, SamplingParams
from core.sampling.sampler import nucleus_sample

PROMPT = "def add(a, b):\n    return"


def test_every_candidate_starts_with_the_prefix_whose_logprobs_are_teacher_forced(tiny_engine):
    prefix = " a +"
    params = SamplingParams(
        n=3, temperature=0.8, max_new_tokens=6, seed=1, mode="completion", prefix=prefix, stop=("\n\n\n\n",)
    )
    forced = tiny_engine.score(PROMPT, prefix)
    n_forced = len(forced)
    for cand in tiny_engine.generate(PROMPT, params):
        assert cand.text.startswith(prefix) and cand.raw_text.startswith(prefix)
        assert cand.token_logprobs[:n_forced] == pytest.approx(forced, abs=1e-4)
        assert n_forced < len(cand.token_ids) <= n_forced + 6  # the token budget counts sampled tokens only
        assert len(cand.top_logprobs) == len(cand.token_ids)
        # The ranking counts the prefix: the mean is over every token, forced ones included.
        assert cand.mean_logprob == pytest.approx(sum(cand.token_logprobs) / len(cand.token_logprobs))


def test_a_branch_continues_as_the_original_would_after_the_same_tokens(tiny_engine):
    greedy = SamplingParams(n=1, temperature=0, max_new_tokens=8, mode="completion", stop=("\n\n\n\n",))
    original = tiny_engine.generate(PROMPT, greedy)[0]
    prefix = tiny_engine.tokenizer.decode(original.token_ids[:3])
    branch = tiny_engine.generate(PROMPT, SamplingParams(**{**greedy.__dict__, "prefix": prefix, "max_new_tokens": 5}))[
        0
    ]
    if tiny_engine.tokenizer(prefix, add_special_tokens=False)["input_ids"] == original.token_ids[:3]:
        assert branch.token_ids == original.token_ids[:8]


def test_a_character_split_over_tokens_is_whole_in_the_tokens_and_in_a_branch_from_them(tiny_engine):
    """The tiny tokenizer spells an emoji and an accented letter in bytes, several tokens each.
    Each token holds its share of the text, so a branch's kept text has the characters whole."""
    from desktop_app.branch import branch_at

    prefix = " 'é😀' +"
    ids = tiny_engine.tokenizer(prefix, add_special_tokens=False)["input_ids"]
    assert any("\ufffd" in tiny_engine.tokenizer.decode([i]) for i in ids)  # the case under test
    params = SamplingParams(n=4, temperature=1.0, max_new_tokens=8, seed=2, mode="completion", prefix=prefix)
    for cand in tiny_engine.generate(PROMPT, params):
        assert "".join(cand.tokens) == cand.raw_text and cand.raw_text.startswith(prefix)
        assert len(cand.tokens) == len(cand.token_ids) == len(cand.token_logprobs)
        assert "\ufffd" not in "".join(cand.tokens[: len(ids)])
        assert any(piece == "" for piece in cand.tokens[: len(ids)])  # the tokens ending a character
        assert branch_at(cand, len(ids), "x").kept == prefix


def test_next_token_logits_are_what_the_sampler_saw(tiny_engine):
    greedy = SamplingParams(n=1, temperature=0, max_new_tokens=4, mode="completion", stop=("\n\n\n\n",))
    cand = tiny_engine.generate(PROMPT, greedy)[0]
    for position in range(len(cand.token_ids)):
        logits = tiny_engine.next_token_logits(PROMPT, cand.token_ids[:position], "completion")
        assert int(logits.argmax()) == cand.token_ids[position]
        assert float(torch.log_softmax(logits, -1)[cand.token_ids[position]]) == pytest.approx(
            cand.token_logprobs[position], abs=1e-4
        )


@pytest.mark.parametrize("temperature, top_k, top_p", [(1.0, 0, 1.0), (0.5, 0, 0.9), (1.5, 5, 1.0), (0.8, 8, 0.7)])
def test_shaped_probabilities_match_the_samplers_draws(temperature, top_k, top_p):
    logits = torch.randn(50, generator=torch.Generator().manual_seed(3)) * 2
    shaped = shape(logits, temperature, top_k, top_p, show=50)
    draws = 20000
    uniforms = torch.rand(draws, generator=torch.Generator().manual_seed(4))
    tokens, _ = nucleus_sample(logits.expand(draws, -1), temperature, top_k, top_p, uniforms)
    counts = torch.bincount(tokens, minlength=50).float() / draws
    for token, p in zip(shaped.token_ids, shaped.shaped):
        assert float(counts[token]) == pytest.approx(p, abs=0.015)
    # Every drawn token is one the shape keeps (a kept token of tiny mass may go undrawn).
    kept = {t for t, p in zip(shaped.token_ids, shaped.shaped) if p > 0}
    assert set(torch.nonzero(counts).flatten().tolist()) <= kept and len(kept) == shaped.kept
    assert sum(shaped.raw) == pytest.approx(1.0, abs=1e-5) and shaped.raw == sorted(shaped.raw, reverse=True)
    # A view sorts a position's logits once and shapes them at every move of a knob: the same figures.
    assert shape(sort_logits(logits), temperature, top_k, top_p, show=50) == shaped


def test_greedy_puts_all_mass_on_the_likeliest_token():
    logits = torch.tensor([0.1, 3.0, 2.9])
    shaped = shape(logits, 0.0)
    assert shaped.token_ids[0] == 1 and shaped.shaped == [1.0, 0.0, 0.0] and shaped.kept == 1


def test_a_server_refuses_a_prefix_with_the_reason():
    from core.remote.backend import RemoteBackend

    backend = RemoteBackend.__new__(RemoteBackend)
    with pytest.raises(InvalidParams, match="forced prefix"):
        next(backend.stream("def f():", SamplingParams(prefix="    return")))


@pytest.mark.parametrize("temperature", [0.8, 0.0])
def test_some_rows_of_a_request_are_drawn_as_the_whole_request_draws_them(tiny_engine, temperature):
    params = SamplingParams(
        n=5, temperature=temperature, max_new_tokens=6, seed=7, mode="completion", stop=("\n\n\n\n",)
    )
    whole = {c.index: c for c in tiny_engine.generate(PROMPT, params)}
    some = tiny_engine.generate(PROMPT, SamplingParams(**{**params.__dict__, "rows": (4, 1)}))
    assert sorted(c.index for c in some) == [1, 4]
    for cand in some:
        assert cand.token_ids == whole[cand.index].token_ids and cand.text == whole[cand.index].text
    with pytest.raises(InvalidParams, match="distinct sample indices"):
        SamplingParams(n=2, rows=(2,)).validated()
    with pytest.raises(InvalidParams, match="distinct sample indices"):
        SamplingParams(n=3, rows=(1, 1)).validated()
