"""The sampling loop on a real (tiny, random) transformers model."""

import threading

import pytest
import torch

from core.sampling.candidate import CandidateDone, TokenDelta
from core.sampling.interface import GenerationOOM
from core.sampling.params import SamplingParams

PROMPT = "def add(a, b):\n    return"


def completion_params(**kw):
    base = dict(n=6, temperature=1.0, top_p=0.95, max_new_tokens=24, seed=7, mode="completion", stop=("\ndef",))
    base.update(kw)
    return SamplingParams(**base)


def forward_batches(engine):
    """Record (batch, length) of every forward call the engine makes."""
    calls = []
    handle = engine.model.register_forward_pre_hook(
        lambda _m, args, kwargs: calls.append(
            tuple((kwargs.get("input_ids") if kwargs.get("input_ids") is not None else args[0]).shape)
        ),
        with_kwargs=True,
    )
    return calls, handle


@pytest.mark.parametrize("temperature,top_p,top_k", [(0.5, 0.9, 0), (1.3, 1.0, 50), (0, 1.0, 0)])
def test_logprobs_match_teacher_forced_pass(tiny_engine, temperature, top_p, top_k):
    # Away from T=1 the tempered, filtered distribution differs from the raw one: the recorded
    # log-probs must be the raw ones, as an independent forward pass computes them.
    ids = tiny_engine.tokenizer(PROMPT)["input_ids"]
    params = completion_params(temperature=temperature, top_p=top_p, top_k=top_k)
    for cand in tiny_engine.generate(PROMPT, params):
        assert cand.token_ids, "a row produced nothing"
        full = torch.tensor([ids + cand.token_ids])
        with torch.no_grad():
            logits = tiny_engine.model(full).logits[0].float()
        reference = torch.log_softmax(logits, -1)[len(ids) - 1 : -1].gather(-1, full[0, len(ids) :, None]).squeeze(-1)
        assert torch.allclose(torch.tensor(cand.token_logprobs), reference, atol=1e-3)
        assert cand.mean_logprob == pytest.approx(reference.mean().item(), abs=1e-3)
        assert cand.sum_logprob == pytest.approx(reference.sum().item(), abs=1e-2)


def test_same_seed_same_candidates_and_rows_independent_of_n(tiny_engine):
    first = tiny_engine.generate(PROMPT, completion_params())
    again = tiny_engine.generate(PROMPT, completion_params())
    other = tiny_engine.generate(PROMPT, completion_params(seed=8))
    fewer = tiny_engine.generate(PROMPT, completion_params(n=3))
    assert [c.token_ids for c in first] == [c.token_ids for c in again]
    assert [c.token_ids for c in first] != [c.token_ids for c in other]
    assert [c.token_ids for c in first[:3]] == [c.token_ids for c in fewer]
    assert len({tuple(c.token_ids) for c in first}) > 1, "rows must differ from each other"


def test_greedy_identical_at_batch_1_and_n_and_matches_hf_generate(tiny_engine):
    one = tiny_engine.generate(PROMPT, completion_params(n=1, temperature=0, stop=()))
    many = tiny_engine.generate(PROMPT, completion_params(n=5, temperature=0, stop=()))
    assert [c.token_ids for c in many] == [one[0].token_ids] * 5
    ids = torch.tensor([tiny_engine.tokenizer(PROMPT)["input_ids"]])
    hf = tiny_engine.model.generate(ids, do_sample=False, max_new_tokens=24, pad_token_id=0)[0, ids.shape[1] :].tolist()
    eos = tiny_engine.tokenizer.eos_token_id
    assert one[0].token_ids == [t for t in hf if t != eos][: len(one[0].token_ids)]


def test_prompt_prefilled_once_and_finished_rows_leave_the_batch(tiny_engine):
    calls, handle = forward_batches(tiny_engine)
    try:
        cands = tiny_engine.generate(PROMPT, completion_params(n=8, stop=("e",), max_new_tokens=40))
    finally:
        handle.remove()
    prefills = [c for c in calls if c[1] > 1]
    assert prefills == [(1, len(tiny_engine.tokenizer(PROMPT)["input_ids"]))]
    batch_sizes = [c[0] for c in calls if c[1] == 1]
    # Rows that hit a stop (some at their very first token) leave the batch for good.
    assert batch_sizes == sorted(batch_sizes, reverse=True)
    assert batch_sizes[0] <= 8 and batch_sizes[-1] < 8
    stopped = [c for c in cands if c.finish_reason == "stop"]
    assert stopped


def test_stop_truncates_text_and_tokens(tiny_engine):
    for cand in tiny_engine.generate(PROMPT, completion_params(n=8, stop=("e", "a"), max_new_tokens=40)):
        assert "e" not in cand.text and "a" not in cand.text
        if cand.finish_reason == "stop":
            decoded = tiny_engine.tokenizer.decode(cand.token_ids)
            # The kept tokens cover the truncated text; the last one may straddle the stop string.
            assert decoded.startswith(cand.text)
            assert len(tiny_engine.tokenizer.decode(cand.token_ids[:-1])) < len(cand.text) or not cand.text
        assert len(cand.token_logprobs) == len(cand.token_ids) == len(cand.tokens) == len(cand.top_logprobs)


def test_stream_deltas_rebuild_each_raw_text(tiny_engine):
    texts, done = {}, {}
    for event in tiny_engine.stream(PROMPT, completion_params(stop=("\n",))):
        if isinstance(event, TokenDelta):
            texts[event.index] = texts.get(event.index, "") + event.text
        else:
            done[event.candidate.index] = event.candidate
    assert sorted(done) == list(range(6))
    for i, cand in done.items():
        assert texts.get(i, "") == cand.raw_text


def test_cancel_stops_within_one_step_and_keeps_text(tiny_engine):
    cancel = threading.Event()
    calls, handle = forward_batches(tiny_engine)
    steps_after_cancel = None
    events = []
    try:
        for event in tiny_engine.stream(PROMPT, completion_params(n=4, stop=(), max_new_tokens=200), cancel):
            events.append(event)
            if isinstance(event, TokenDelta) and len(events) > 20 and not cancel.is_set():
                cancel.set()
                calls_at_cancel = len(calls)
        steps_after_cancel = len(calls) - calls_at_cancel
    finally:
        handle.remove()
    assert steps_after_cancel <= 1
    done = [e.candidate for e in events if isinstance(e, CandidateDone)]
    assert len(done) == 4 and all(c.finish_reason == "cancelled" for c in done)
    assert all(c.token_ids and len(c.token_ids) < 200 for c in done)


def test_out_of_memory_retries_with_smaller_chunks_then_gives_clear_error(tiny_engine):
    expected = tiny_engine.generate(PROMPT, completion_params(n=6))

    def fail_when_batch_exceeds(limit, during_prefill=False):
        def hook(_module, args, kwargs):
            ids = kwargs.get("input_ids") if kwargs.get("input_ids") is not None else args[0]
            if ids.shape[0] > limit and (during_prefill or ids.shape[1] == 1):
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

        return tiny_engine.model.register_forward_pre_hook(hook, with_kwargs=True)

    handle = fail_when_batch_exceeds(2)
    try:
        events = list(tiny_engine.stream(PROMPT, completion_params(n=6)))
    finally:
        handle.remove()
    retried = [e.candidate for e in events if isinstance(e, CandidateDone)]
    assert [c.token_ids for c in sorted(retried, key=lambda c: c.index)] == [c.token_ids for c in expected]

    handle = fail_when_batch_exceeds(0)
    try:
        with pytest.raises(GenerationOOM, match="out of memory even for one sample"):
            tiny_engine.generate(PROMPT, completion_params(n=4))
    finally:
        handle.remove()

    handle = fail_when_batch_exceeds(0, during_prefill=True)
    try:
        with pytest.raises(GenerationOOM, match="out of memory while reading the prompt"):
            tiny_engine.generate(PROMPT, completion_params(n=4))
    finally:
        handle.remove()
    assert tiny_engine.generate(PROMPT, completion_params(n=2)), "the engine must stay usable after an OOM"


def test_top_k_one_is_greedy(tiny_engine):
    greedy = tiny_engine.generate(PROMPT, completion_params(n=1, temperature=0))[0]
    topk1 = tiny_engine.generate(PROMPT, completion_params(n=3, temperature=1.5, top_k=1))
    assert all(c.token_ids == greedy.token_ids for c in topk1)


def test_instruct_mode_on_chat_model(tiny_chat_model_dir):
    from core.sampling.engine import Engine

    engine = Engine.load(str(tiny_chat_model_dir), progress=lambda _m: None)
    assert engine.resolve_mode("auto") == "instruct"
    cands = engine.generate('def f(x):\n    """Double x."""\n', SamplingParams(n=3, max_new_tokens=16, mode="auto"))
    assert len(cands) == 3 and all(c.token_ids for c in cands)


def test_score_matches_generation_logprobs(tiny_engine):
    # score() reads text, so it sees the generated tokens only if the text tokenizes back to them.
    # A random model's samples seldom do (it writes byte pieces BPE would merge); its greedy
    # continuation here does, and T=0 records the raw log-probs, as score() computes them.
    cand = tiny_engine.generate(PROMPT, completion_params(n=1, temperature=0, stop=()))[0]
    text = tiny_engine.tokenizer.decode(cand.token_ids)
    assert tiny_engine.tokenizer(text, add_special_tokens=False)["input_ids"] == cand.token_ids, (
        "the tiny model's greedy text no longer tokenizes back to its tokens: pick another prompt"
    )
    assert tiny_engine.score(PROMPT, text) == pytest.approx(cand.token_logprobs, abs=1e-3)
    assert len(tiny_engine.score(PROMPT, " return a + b")) > 0
