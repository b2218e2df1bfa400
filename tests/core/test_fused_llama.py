"""The fused Llama-family path (core.models.fused_llama) must give transformers' numbers, only faster:
the same logits for a prompt, the same decode steps as teacher forcing, candidates whose
log-probs an independent forward pass reproduces."""

from dataclasses import replace

import pytest
import torch

from core.evaluation.problems import load_problems
from core.models import catalogue, loader
from core.models.fused_llama import FusedLlama
from core.models.hf_runner import HFRunner
from core.sampling.engine import Engine
from core.sampling.params import SamplingParams
from tests.tiny_model import build_tiny_model

PROMPT = "def add(a, b):\n    return"
FP32 = dict(progress=lambda _m: None, dtype=torch.float32)


def load_pair(folder, **how):
    """(fused runner, transformers' own forward on the same weights, tokenizer)."""
    fused, tok, _ = loader.load(str(folder), **how)
    reference, _, _ = loader.load(str(folder), fuse=False, **how)
    return fused, reference, tok


def test_llama_family_runs_fused_and_other_models_do_not(tmp_path, tiny_llama_dir, tiny_model_dir):
    assert isinstance(loader.load(str(tiny_llama_dir), **FP32)[0], FusedLlama)
    assert isinstance(
        loader.load(str(build_tiny_model(tmp_path / "qwen2", architecture="qwen2")), **FP32)[0], FusedLlama
    )
    assert isinstance(loader.load(str(tiny_model_dir), **FP32)[0], HFRunner)  # GPT-2
    # A sliding window masks differently from full attention: transformers' forward keeps it.
    assert isinstance(
        loader.load(str(build_tiny_model(tmp_path / "mistral", architecture="mistral")), **FP32)[0], HFRunner
    )
    assert isinstance(loader.load(str(tiny_llama_dir), fuse=False, **FP32)[0], HFRunner)


@pytest.mark.parametrize("architecture", ["llama", "qwen2"])
@torch.inference_mode()
def test_prompt_and_decode_steps_match_transformers(tmp_path, architecture):
    fused, reference, tok = load_pair(build_tiny_model(tmp_path / architecture, architecture=architecture), **FP32)
    ids = tok(PROMPT).input_ids

    def expected(seq):
        return reference.logits(seq)[-1]

    assert torch.allclose(fused.logits(ids), reference.logits(ids), atol=1e-5)
    prompt_cache, last = fused.prefill(ids, len(ids) + 4)
    assert torch.allclose(last[0], expected(ids), atol=1e-5)
    cache = fused.fan_out(prompt_cache, 3)
    seqs = [ids + [t] for t in (5, 6, 7)]
    logits = fused.step(cache, torch.tensor([5, 6, 7]))
    for row, seq in enumerate(seqs):
        assert torch.allclose(logits[row], expected(seq), atol=1e-4)
    fused.keep_rows(cache, torch.tensor([0, 2]))
    seqs = [seqs[0] + [8], seqs[2] + [9]]
    logits = fused.step(cache, torch.tensor([8, 9]))
    for row, seq in enumerate(seqs):
        assert torch.allclose(logits[row], expected(seq), atol=1e-4)
    # The prompt's cache is shared by every chunk of a request, so stepping a fan-out must leave it as it was.
    again = fused.step(fused.fan_out(prompt_cache, 1), torch.tensor([6]))
    assert torch.allclose(again[0], expected(ids + [6]), atol=1e-4)


def test_the_fused_models_own_forward_refuses_to_run(tiny_llama_dir):
    fused, _, _ = loader.load(str(tiny_llama_dir), **FP32)
    with pytest.raises(RuntimeError, match="fused"):
        fused.model(torch.tensor([[1, 2, 3]]))


@torch.inference_mode()
def test_candidates_match_teacher_forcing_and_greedy_matches_generate(tiny_llama_dir):
    engine = Engine(*loader.load(str(tiny_llama_dir), **FP32))
    reference, tok = loader.load(str(tiny_llama_dir), fuse=False, **FP32)[:2]
    ids = tok(PROMPT).input_ids
    params = SamplingParams(n=6, temperature=0.9, top_p=0.95, max_new_tokens=20, seed=3, mode="completion", stop=())
    cands = engine.generate(PROMPT, params)
    assert len({tuple(c.token_ids) for c in cands}) > 1
    for cand in cands:
        full = torch.tensor(ids + cand.token_ids)
        raw = torch.log_softmax(reference.logits(full.tolist()).float(), -1)[len(ids) - 1 : -1]
        assert torch.allclose(
            torch.tensor(cand.token_logprobs), raw.gather(-1, full[len(ids) :, None]).squeeze(-1), atol=1e-3
        )
    assert [c.token_ids for c in engine.generate(PROMPT, replace(params, n=3))] == [c.token_ids for c in cands[:3]]
    greedy = engine.generate(PROMPT, SamplingParams(n=1, temperature=0, max_new_tokens=20, mode="completion", stop=()))[
        0
    ]
    hf = reference.model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=20, pad_token_id=0)[
        0, len(ids) :
    ].tolist()
    eos = tok.eos_token_id
    assert greedy.token_ids == (hf[: hf.index(eos)] if eos in hf else hf)
    assert engine.score(PROMPT, greedy.text) == pytest.approx(greedy.token_logprobs, abs=1e-3)


@pytest.mark.slow
@pytest.mark.integration
@torch.inference_mode()
def test_default_model_prompt_logits_are_bit_identical_to_transformers():
    fused, reference, tok = load_pair(
        catalogue.SMALL, progress=lambda _m: None, runner="torch"
    )  # on a CPU, auto takes llama.cpp
    ids = tok(load_problems()["HumanEval/0"]["prompt"]).input_ids
    assert isinstance(fused, FusedLlama)
    assert torch.equal(fused.logits(ids), reference.model(torch.tensor([ids])).logits[0])


@pytest.mark.slow
@pytest.mark.integration
@torch.inference_mode()
def test_default_model_decode_steps_match_teacher_forcing_in_float32():
    fused, reference, tok = load_pair(catalogue.SMALL, **FP32)
    ids = tok(load_problems()["HumanEval/2"]["prompt"]).input_ids
    cache = fused.fan_out(fused.prefill(ids, len(ids) + 3)[0], 2)
    seqs = [list(ids), list(ids)]
    for tokens in ([1000, 2000], [3000, 4000], [5000, 6000]):
        logits = fused.step(cache, torch.tensor(tokens))
        for row, token in enumerate(tokens):
            seqs[row].append(token)
            expected = torch.log_softmax(reference.logits(seqs[row])[-1], -1)
            assert torch.allclose(torch.log_softmax(logits[row], -1), expected, atol=1e-3)


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="this CPU has no native bf16 kernels to pack for"
)
@torch.inference_mode()
def test_packed_bf16_keeps_one_copy_of_each_weight_but_a_tied_head(tmp_path, tiny_llama_dir):
    bf16 = dict(progress=lambda _m: None, dtype=torch.bfloat16)
    for folder, tied in ((tiny_llama_dir, True), (build_tiny_model(tmp_path / "qwen2", architecture="qwen2"), False)):
        fused, tok, info = loader.load(str(folder), **bf16)
        reference, _, plain_info = loader.load(str(folder), fuse=False, pack_weights=False, **bf16)
        head = reference.model.lm_head.weight
        assert info.memory_bytes == plain_info.memory_bytes + (head.numel() * head.element_size() if tied else 0)
        if tied:  # the input embedding keeps the original, the head runs on a packed copy
            assert fused.model.lm_head.weight.data_ptr() == fused.model.get_input_embeddings().weight.data_ptr()
        else:  # the packed copy replaces the original
            assert not hasattr(fused.model.lm_head, "weight")
        ids = tok(PROMPT).input_ids
        assert torch.equal(fused.logits(ids), reference.logits(ids))


@torch.inference_mode()
def test_several_tokens_after_a_cache_and_a_rewind_match_teacher_forcing(tiny_llama_dir):
    # Speculative decoding (core.sampling.sampler._alone) feeds a guess of several tokens after the cache,
    # then forgets the positions after the last right guess.
    fused, reference, tok = load_pair(tiny_llama_dir, **FP32)
    ids = tok(PROMPT).input_ids
    cache = fused.fan_out(fused.prefill(ids, len(ids) + 8)[0], 1)
    fused.step(cache, torch.tensor([5]))
    logits = fused.extend(cache, [6, 7, 8])
    assert torch.allclose(logits, reference.logits(ids + [5, 6, 7, 8])[-3:], atol=1e-4)
    fused.rewind(cache, 2)  # keeps 5 and 6
    logits = fused.extend(cache, [9, 10])
    assert torch.allclose(logits, reference.logits(ids + [5, 6, 9, 10])[-2:], atol=1e-4)


@torch.inference_mode()
def test_the_last_row_checks_guesses_in_one_pass_and_writes_what_plain_decoding_writes(tiny_llama_dir, monkeypatch):
    from core.sampling import sampler

    engine = Engine(*loader.load(str(tiny_llama_dir), **FP32))
    fed = []
    extend = engine.runner.extend
    monkeypatch.setattr(engine.runner, "extend", lambda cache, ids: fed.append(len(ids)) or extend(cache, ids))
    # A random tiny model repeats itself, so guesses from its own text come true.
    greedy = SamplingParams(n=1, temperature=0, max_new_tokens=40, mode="completion", stop=())
    sampled = SamplingParams(n=5, temperature=0.9, top_p=0.95, max_new_tokens=30, seed=7, mode="completion", stop=())
    fast = [engine.generate(PROMPT, greedy)]
    # The first token comes from the prompt's pass; fewer passes than the other 39 means guesses came true.
    assert len(fast[0][0].token_ids) == 40 and len(fed) < 39 and max(fed) > 1
    fast.append(engine.generate(PROMPT, sampled))
    decode = sampler.decode
    monkeypatch.setattr(sampler, "decode", lambda *args: decode(*args[:7]))  # without the prompt or hints: plain
    plain = [engine.generate(PROMPT, p) for p in (greedy, sampled)]
    for got, want in zip(fast, plain):
        assert [c.token_ids for c in got] == [c.token_ids for c in want]
        for a, b in zip(got, want):
            assert a.token_logprobs == pytest.approx(b.token_logprobs, abs=1e-4)


@torch.inference_mode()
def test_a_hint_of_what_the_row_will_write_saves_passes_and_changes_nothing(tiny_llama_dir, monkeypatch):
    engine = Engine(*loader.load(str(tiny_llama_dir), **FP32))
    fed = []
    extend = engine.runner.extend
    monkeypatch.setattr(engine.runner, "extend", lambda cache, ids: fed.append(len(ids)) or extend(cache, ids))
    params = SamplingParams(n=1, temperature=0.9, top_p=0.95, max_new_tokens=40, seed=3, mode="completion", stop=())
    [plain] = engine.generate(PROMPT, params)
    passes_without = len(fed)
    fed.clear()
    # What a branch's parent gives: text the row writes again (here all of it).
    [hinted] = engine.generate(PROMPT, replace(params, draft_text=plain.raw_text))
    assert hinted.token_ids == plain.token_ids
    assert hinted.token_logprobs == pytest.approx(plain.token_logprobs, abs=1e-4)
    assert len(fed) < passes_without
