"""The llama.cpp runner (core.models.llama_cpp_runner) on the real small model's GGUF: its batched steps,
fan-out and dropped rows must give the logits of one teacher-forced pass; the engine on
it must sample reproducibly with the model's raw log-probs; the loader must choose it only where
it applies, and say why not where it cannot."""

import pytest
import torch

from core.evaluation.problems import load_problems
from core.models import catalogue, llama_cpp_runner, loader
from core.models.fused_llama import FusedLlama
from core.models.info import ModelLoadError
from core.models.llama_cpp_runner import ContextTooLong, LlamaCppRunner
from core.sampling.engine import Engine
from core.sampling.params import SamplingParams

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not llama_cpp_runner.available(), reason="llama-cpp-python is not installed"),
]
QUIET = dict(progress=lambda _m: None)
# llama.cpp's sums depend on how many KV cells a pass covers and where the sequence's cells lie:
# the same position's distribution moved by up to 4.3% total variation between layouts on these
# models (measured), so steps match a teacher-forced pass to that, not bit for bit. A wrong
# position or sequence gives a distribution of another text, 30-100% away.
TOTAL_VARIATION = 0.1


@pytest.fixture(scope="module")
def runner(small_gguf):
    return LlamaCppRunner(small_gguf, threads=torch.get_num_threads())


@pytest.fixture(scope="module")
def ids(small_engine):
    return small_engine.tokenizer(load_problems()["HumanEval/0"]["prompt"])["input_ids"]


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Each row of logits `a` gives nearly the same distribution as the row of `b`."""
    pa, pb = torch.softmax(a.float(), dim=-1), torch.softmax(b.float(), dim=-1)
    return bool(((pa - pb).abs().sum(-1) / 2 < TOTAL_VARIATION).all())


def test_prefill_gives_the_last_position_of_a_teacher_forced_pass(runner, ids):
    cache, logits = runner.prefill(ids, len(ids) + 8)
    full = runner.logits(ids)
    assert full.shape == (len(ids), runner.vocab_size)
    assert close(logits[0], full[-1])
    assert close(runner.logits(ids, start=len(ids) - 3), full[-3:])


def test_rows_fan_out_step_and_leave_independently(runner, ids):
    prefilled, first = runner.prefill(ids, len(ids) + 8)
    rows = runner.fan_out(prefilled, 3)
    texts = [list(ids) for _ in range(3)]
    tokens = torch.tensor([101, 202, 303])
    for step in range(4):
        logits = runner.step(rows, tokens)
        for r, tok in enumerate(tokens.tolist()):
            texts[r].append(tok)
        # Each row's distribution is the one a single pass over its own text gives.
        for r in range(len(tokens)):
            assert close(logits[r], runner.logits(texts[r], start=len(texts[r]) - 1)[0]), (step, r)
        if step == 1:  # the middle row leaves; the others keep their own text
            runner.keep_rows(rows, torch.tensor([0, 2]))
            texts = [texts[0], texts[2]]
            logits = logits[[0, 2]]
        tokens = logits.argmax(-1)
    # The prompt's own cache is untouched by its rows and can fan out again.
    again = runner.fan_out(prefilled, 1)
    assert close(runner.step(again, torch.tensor([101]))[0], runner.logits([*ids, 101], start=len(ids))[0])


def test_rows_that_wrote_the_same_tokens_are_fed_once_and_part_when_they_differ(runner, ids, monkeypatch):
    fed = []
    decode = runner._decode
    monkeypatch.setattr(runner, "_decode", lambda entries: fed.append(len(entries)) or decode(entries))
    prefilled, _ = runner.prefill(ids, len(ids) + 8)
    rows = runner.fan_out(prefilled, 5)
    texts = [list(ids) for _ in range(5)]
    # Rows 0, 1 and 3 draw alike until 1 draws another token; row 2 leaves; 0 and 3 stay twins.
    steps = [[7, 7, 9, 7, 8], [5, 5, 5, 5, 5], [11, 12, 11, 11, 11], [4, 4, 4, 4]]
    expected_feeds = [3, 3, 4, 3]
    for step, (tokens, feeds) in enumerate(zip(steps, expected_feeds)):
        fed.clear()
        logits = runner.step(rows, torch.tensor(tokens))
        assert fed == [feeds], step
        for r, tok in enumerate(tokens):
            texts[r].append(tok)
            # Each row's distribution is still the one a single pass over its own text gives.
            assert close(logits[r], runner.logits(texts[r], start=len(texts[r]) - 1)[0]), (step, r)
        if step == 2:
            runner.keep_rows(rows, torch.tensor([0, 1, 3, 4]))
            texts = [texts[0], texts[1], texts[3], texts[4]]
    assert rows.twins[0] == rows.twins[2] and len(set(rows.twins)) == 3
    # A shared cell stays for the twin still using it when the other leaves.
    runner.keep_rows(rows, torch.tensor([2]))
    assert close(runner.step(rows, torch.tensor([6]))[0], runner.logits([*texts[2], 6], start=len(texts[2]))[0])


def test_sequences_return_to_the_pool_and_a_long_prompt_gets_a_larger_context(runner, ids):
    free = len(runner._free)
    for _ in range(3):
        cache, _ = runner.prefill(ids, len(ids) + 8)
        runner.keep_rows(runner.fan_out(cache, 20), torch.tensor([0]))
    del cache
    assert len(runner._free) == free  # every cache dropped gave its sequences back
    runner._new_context(512)  # a small context, so that a prompt can outgrow it quickly
    long = (ids * 10)[:600]
    assert runner.logits(long, start=len(long) - 1).shape == (1, runner.vocab_size)
    assert runner._cells >= 600 and runner.rows_that_fit(len(ids), 128) >= 1
    with pytest.raises(ContextTooLong, match="do not fit in the model's context"):
        runner.logits([1] * (runner.max_cells + 1), start=runner.max_cells)


def test_engine_on_llama_cpp_samples_reproducibly_with_raw_log_probs(small_engine):
    assert isinstance(small_engine.runner, LlamaCppRunner)  # auto on a CPU, for a model from a GGUF
    prompt = load_problems()["HumanEval/0"]["prompt"]
    params = SamplingParams(n=4, temperature=0.8, max_new_tokens=24, seed=11, mode="completion")
    first, second = small_engine.generate(prompt, params), small_engine.generate(prompt, params)
    # The second reads the prompt from the cells the first kept (LlamaCppRunner.prefill).
    assert [(c.text, c.token_logprobs) for c in second] == [(c.text, c.token_logprobs) for c in first]
    # Another request in between leaves nothing behind that changes the next one's numbers.
    small_engine.generate(
        load_problems()["HumanEval/5"]["prompt"], SamplingParams(n=7, temperature=1.0, max_new_tokens=9)
    )
    third = small_engine.generate(prompt, params)
    assert [(c.text, c.token_logprobs) for c in third] == [(c.text, c.token_logprobs) for c in first]
    for cand in first:
        # The recorded log-probs are the raw distribution's: one scoring pass gives them again.
        rescored = small_engine.score(prompt, small_engine.tokenizer.decode(cand.token_ids))
        if cand.token_ids and len(rescored) == len(cand.token_logprobs):  # the same tokenization of the text
            gaps = [abs(a - b) for a, b in zip(rescored, cand.token_logprobs)]
            # Layout noise (see TOTAL_VARIATION) is 0.05 nats a token on average here; a log-prob
            # taken from the wrong position or row is off by nats.
            assert sum(gaps) / len(gaps) < 0.1 and max(gaps) < 1.0, gaps
    greedy = SamplingParams(n=2, temperature=0, max_new_tokens=24, mode="completion")
    assert [c.text for c in small_engine.generate(prompt, greedy)] == [
        c.text for c in small_engine.generate(prompt, greedy)
    ]


def test_quantized_and_dequantized_weights_agree_on_the_likeliest_tokens(small_engine, small_model_dir, ids):
    torch_runner, _, _ = loader.load(str(small_model_dir), runner="torch", **QUIET)
    assert isinstance(torch_runner, FusedLlama)
    ours = small_engine.runner.logits(ids, start=len(ids) - 8)
    theirs = torch_runner.logits(ids, start=len(ids) - 8).float()
    for a, b in zip(ours, theirs):
        assert int(b.argmax()) in a.topk(3).indices.tolist()


def test_the_loader_says_why_a_runner_cannot_be_used(tiny_model_dir, monkeypatch):
    with pytest.raises(ModelLoadError, match="needs the GGUF file"):
        loader.load(str(tiny_model_dir), runner="llama_cpp", **QUIET)
    with pytest.raises(ModelLoadError, match="unknown runner 'fast'"):
        loader.load(str(tiny_model_dir), runner="fast", **QUIET)
    monkeypatch.setenv("CODESYNTH_RUNNER", "torch")
    assert not isinstance(Engine.load(catalogue.SMALL, **QUIET).runner, LlamaCppRunner)
    # Without llama-cpp-python, auto falls back to torch rather than failing.
    monkeypatch.delenv("CODESYNTH_RUNNER")
    monkeypatch.setattr(llama_cpp_runner, "available", lambda: False)
    assert isinstance(Engine.load(catalogue.SMALL, **QUIET).runner, FusedLlama)


def test_a_request_on_a_saved_prompt_reads_only_its_own_tokens_and_gets_the_same_numbers(small_engine):
    """The prompt's cells are saved; a branch from one of its candidates (the prompt, then a forced
    prefix), even after another prompt ran, reads only the prefix, and samples exactly what it
    samples when it reads everything."""
    runner, prompt = small_engine.runner, load_problems()["HumanEval/0"]["prompt"]
    params = SamplingParams(n=3, temperature=0.8, max_new_tokens=16, seed=5, mode="completion")
    branch = SamplingParams(n=1, temperature=0.8, max_new_tokens=16, seed=5, mode="completion", prefix="    for")
    fed = []
    feed = runner._feed
    runner._feed = lambda ids, *rest, **kw: fed.append(len(ids)) or feed(ids, *rest, **kw)
    try:
        small_engine.generate(prompt, params)  # the run branched from
        fed.clear()
        right_after = small_engine.generate(prompt, branch)
        prefix_tokens = len(small_engine.tokenizer("    for", add_special_tokens=False)["input_ids"])
        assert fed == [prefix_tokens]  # no prompt token read again (steps are not fed passes)
        small_engine.generate(load_problems()["HumanEval/5"]["prompt"], params)  # another prompt between
        fed.clear()
        kept = small_engine.generate(prompt, branch)
        assert fed == [prefix_tokens]
        runner._saved.clear()
        fed.clear()
        fresh = small_engine.generate(prompt, branch)
        assert sum(fed) > len(small_engine.tokenizer(prompt)["input_ids"])
    finally:
        runner._feed = feed
    numbers = [[(c.token_ids, c.token_logprobs) for c in run] for run in (right_after, kept, fresh)]
    assert numbers[0] == numbers[1] == numbers[2]


def test_saved_prompts_are_bounded_in_number_and_bytes(runner, ids, monkeypatch):
    runner._saved.clear()
    for i in range(llama_cpp_runner.SAVED_PROMPTS + 2):
        runner.prefill([*ids, 100 + i], len(ids) + 8)
    assert len(runner._saved) == llama_cpp_runner.SAVED_PROMPTS
    assert next(reversed(runner._saved)) == (*ids, 100 + llama_cpp_runner.SAVED_PROMPTS + 1)  # the latest kept
    one = len(next(iter(runner._saved.values())).state)
    monkeypatch.setattr(llama_cpp_runner, "SAVED_BYTES", one + one // 2)  # room for one prompt's cells
    runner.prefill([*ids, 99], len(ids) + 8)
    assert list(runner._saved) == [(*ids, 99)]
    monkeypatch.setattr(llama_cpp_runner, "SAVED_BYTES", one // 2)  # a prompt too large is not held
    runner.prefill([*ids, 98], len(ids) + 8)
    assert (*ids, 98) not in runner._saved


def test_a_saved_prompt_that_cannot_be_put_back_is_read_again(runner, ids, monkeypatch):
    runner._saved.clear()
    first = runner.prefill(ids, len(ids) + 8)[1]  # its cache dropped at once: the next starts afresh
    assert tuple(ids) in runner._saved
    refused = []
    monkeypatch.setattr(runner._ll, "llama_state_seq_set_data", lambda *_args: refused.append(1) or 0)
    fed = []
    feed = runner._feed
    monkeypatch.setattr(runner, "_feed", lambda part, *rest, **kw: fed.append(len(part)) or feed(part, *rest, **kw))
    again = runner.prefill(ids, len(ids) + 8)[1]
    assert refused and fed[0] == len(ids) and torch.equal(again, first)
