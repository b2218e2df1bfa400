"""The remote client against an in-test OpenAI-compatible server (tests/remote/fake_openai.py)."""

from __future__ import annotations

import threading
import time

import pytest

from core.modes import instruct
from core.remote.backend import NO_LOGPROBS_NOTICE, UNKNOWN_TOKEN_ID, RemoteBackend, ScoringUnsupported
from core.remote.http import AuthFailed, Call, MalformedResponse, ModelNotFound, ServerFailed, ServerUnreachable
from core.remote.requests import row_seed
from core.sampling.candidate import CandidateDone, TokenDelta
from core.sampling.params import SamplingParams
from tests.remote.fake_openai import Behaviour, FakeOpenAI

PROMPT = "def f(x):\n"
# What the fake server writes for row 0 of seed 0 (its text shows the request's seed).
ROW0 = f"    return {row_seed(0, 0) % 1000}\n"


def sampled(fake) -> list[dict]:
    """The streamed (sampling) requests, without the connection probes."""
    return [b for b in fake.bodies("/v1/completions") if b.get("stream")]


def connect(fake, **options):
    options.setdefault("backoff_s", 0.01)
    return RemoteBackend.connect(fake.url, progress=lambda _m: None, **options)


def params(**kw):
    kw.setdefault("mode", "completion")
    return SamplingParams(**kw)


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def test_completion_candidates_logprobs_and_request(fake):
    backend = connect(fake)
    cands = backend.generate(PROMPT, params(n=3, temperature=0.7, top_p=0.9, max_new_tokens=20, seed=5))
    assert [c.index for c in cands] == [0, 1, 2]
    bodies = sampled(fake)
    assert len(bodies) == 3 and len({b["seed"] for b in bodies}) == 3
    for body in bodies:
        assert body["n"] == 1 and body["stream"] is True and body["prompt"] == PROMPT
        assert body["temperature"] == 0.7 and body["top_p"] == 0.9 and body["max_tokens"] == 20
        assert body["stop"] == list(SamplingParams().stop) and body["logprobs"] == 5
        assert body["top_k"] == 0 and body["min_p"] == 0.0 and body["repeat_penalty"] == 1.0
    by_seed = {b["seed"]: b for b in bodies}
    for cand in cands:
        body = by_seed[row_seed(5, cand.index)]
        # The server stops at "\ndef"; the text before it and its three tokens are kept.
        assert cand.raw_text == cand.text == f"    return {body['seed'] % 1000}\n"
        assert cand.token_logprobs == [-0.5, -1.0, -0.25]
        assert cand.mean_logprob == pytest.approx(-1.75 / 3)
        assert cand.tokens == ["    return", f" {body['seed'] % 1000}", "\n"]
        assert cand.token_ids == [UNKNOWN_TOKEN_ID] * 3
        assert cand.top_logprobs[0] == [("    return", -0.5), ("<alt>", -1.5)]
        assert cand.finish_reason == "stop"


def test_streamed_deltas_add_up_to_each_candidate(fake):
    backend = connect(fake)
    texts, done = {}, {}
    for event in backend.stream(PROMPT, params(n=4, seed=1)):
        if isinstance(event, TokenDelta):
            assert not event.reset
            texts[event.index] = texts.get(event.index, "") + event.text
        else:
            done[event.candidate.index] = event.candidate
    assert sorted(done) == [0, 1, 2, 3]
    assert all(texts[i] == done[i].raw_text for i in done)


def test_same_seed_same_requests_other_seed_other_requests(fake):
    backend = connect(fake)
    a = [c.text for c in backend.generate(PROMPT, params(n=3, seed=0))]
    b = [c.text for c in backend.generate(PROMPT, params(n=3, seed=0))]
    c = [c.text for c in backend.generate(PROMPT, params(n=3, seed=1))]
    assert a == b and not set(a) & set(c)


def test_client_cuts_at_stop_when_the_server_does_not():
    with FakeOpenAI(Behaviour(server_stops=False)) as fake:
        [cand] = connect(fake).generate(PROMPT, params(n=1))
    assert cand.raw_text == ROW0 and cand.finish_reason == "stop"
    assert cand.tokens == ["    return", ROW0[10:-1], "\n"]


def test_stop_token_reported_by_the_server_is_not_kept():
    with FakeOpenAI(Behaviour(stop_token_reported=True)) as fake:
        [cand] = connect(fake).generate(PROMPT, params(n=1))
    assert cand.raw_text == ROW0 and cand.token_logprobs == [-0.5, -1.0, -0.25]


def test_a_sample_stopped_at_once_keeps_no_token():
    """The server strips a stop string that starts the sample and reports its tokens: the
    empty candidate keeps none of them (they lie wholly inside the stop string)."""
    script = lambda body: [("\n", -0.3), ("def", -0.2), (" g", -0.1)]  # noqa: E731
    with FakeOpenAI(Behaviour(script=script, stop_token_reported=True)) as fake:
        [cand] = connect(fake).generate(PROMPT, params(n=1))
    assert (cand.raw_text, cand.tokens, cand.token_logprobs, cand.finish_reason) == ("", [], [], "stop")


def test_a_placeholder_from_a_server_is_not_an_attempt():
    """A server's candidates are judged as the local engine's are: a bare `pass` ranks last."""
    script = lambda body: [("    pass", -0.01), ("\n", -0.01)]  # noqa: E731
    with FakeOpenAI(Behaviour(script=script)) as fake:
        [cand] = connect(fake).generate(PROMPT, params(n=1))
    assert cand.text == "    pass\n" and cand.degenerate and "not an attempt" in cand.warnings[-1]


def test_length_and_eos_finish():
    script = lambda body: [("    a = 1", -0.1), ("\n", -0.2)]  # noqa: E731
    with FakeOpenAI(Behaviour(script=script)) as fake:
        backend = connect(fake)
        [short] = backend.generate(PROMPT, params(max_new_tokens=1))
        [eos] = backend.generate(PROMPT, params(max_new_tokens=10))
    assert (short.finish_reason, short.raw_text) == ("length", "    a = 1")
    assert eos.raw_text == "    a = 1\n" and eos.finish_reason == "stop"


def test_greedy_sends_one_request_and_copies_it(fake):
    backend = connect(fake)
    cands = backend.generate(PROMPT, params(n=4, temperature=0))
    assert len(sampled(fake)) == 1
    assert [c.index for c in cands] == [0, 1, 2, 3] and len({c.text for c in cands}) == 1


def test_samples_per_request_demultiplexes_choices(fake):
    backend = connect(fake, samples_per_request=2)
    cands = backend.generate(PROMPT, params(n=5, seed=3))
    bodies = {b["seed"]: b for b in sampled(fake)}
    firsts = [0, 2, 4]
    assert [bodies[row_seed(3, f)]["n"] for f in firsts] == [2, 2, 1]
    # The fake samples choice i of a request with seed + i.
    expected = [
        f"    return {(row_seed(3, f) + i) % 1000}\n" for f in firsts for i in range(bodies[row_seed(3, f)]["n"])
    ]
    assert [c.raw_text for c in cands] == expected


@pytest.mark.parametrize("limit", [1, 3])
def test_requests_in_flight_are_bounded(limit):
    with FakeOpenAI(Behaviour(token_delay_s=0.05)) as fake:
        backend = connect(fake, max_in_flight=limit)
        cands = backend.generate(PROMPT, params(n=6))
    assert len(cands) == 6 and fake.max_in_flight == limit


def test_instruct_uses_chat_and_converts_the_code_block():
    prompt = 'def add(a, b):\n    """Sum."""\n'
    reply = ["Here it is:\n", "```python\n", "def add(a, b):\n", "    return a + b\n", "```", "\nMore prose", " never"]
    script = lambda body: [(piece, -0.1 * (i + 1)) for i, piece in enumerate(reply)]  # noqa: E731
    with FakeOpenAI(Behaviour(script=script, token_delay_s=0.02)) as fake:
        backend = connect(fake)
        assert backend.resolve_mode("auto") == "instruct"
        events = list(backend.stream(prompt, SamplingParams(n=1, mode="auto")))
        body = fake.bodies("/v1/chat/completions")[-1]
    assert body["messages"] == [
        {"role": "system", "content": instruct.SYSTEM},
        {"role": "user", "content": instruct.REQUEST.format(prompt=prompt.strip("\n"))},
    ]
    assert body["logprobs"] is True and body["top_logprobs"] == 5 and "stop" not in body
    # The server's model writes the signature and docstring again: its budget covers them too.
    assert body["max_tokens"] == SamplingParams().max_new_tokens + instruct.rewrite_allowance(prompt)
    assert instruct.rewrite_allowance(prompt) > len(prompt) / 3.5
    [cand] = [e.candidate for e in events if isinstance(e, CandidateDone)]
    # As the local engine's primed reply: the code up to the line that closes its block, converted
    # to a completion; the closing fence, like a stop sequence, is not the candidate's.
    assert cand.raw_text == "def add(a, b):\n    return a + b\n"
    assert cand.text == instruct.completion_from_reply(prompt, cand.raw_text) == "    return a + b\n"
    assert cand.tokens == reply[2:4] and cand.token_logprobs == pytest.approx([-0.3, -0.4])
    assert cand.finish_reason == "stop"
    # The live text restarted at the code once the fence line was complete.
    deltas = [e for e in events if isinstance(e, TokenDelta)]
    after_reset = deltas[max(i for i, d in enumerate(deltas) if d.reset) :]
    assert "".join(d.text for d in after_reset) == cand.raw_text


def test_instruct_refused_without_chat_template():
    with FakeOpenAI(Behaviour(chat=False)) as fake:
        backend = connect(fake)
        assert backend.resolve_mode("auto") == "completion"
        with pytest.raises(ValueError, match="no chat template"):
            backend.generate(PROMPT, SamplingParams(mode="instruct"))


def test_cancel_finishes_open_candidates_and_closes_requests():
    script = lambda body: [(f" t{i}", -0.1) for i in range(200)]  # noqa: E731
    with FakeOpenAI(Behaviour(script=script, token_delay_s=0.02)) as fake:
        backend = connect(fake, max_in_flight=2)
        cancel = threading.Event()
        done = []
        started = None
        for event in backend.stream(PROMPT, params(n=4, max_new_tokens=200), cancel):
            if isinstance(event, TokenDelta) and started is None:
                started = time.perf_counter()
            if started is not None and time.perf_counter() - started > 0.3:
                cancel.set()
            if isinstance(event, CandidateDone):
                done.append(event.candidate)
        elapsed = time.perf_counter() - started
        time.sleep(0.3)
        assert fake.in_flight == 0 and fake.disconnects >= 1
    assert elapsed < 1.5
    assert sorted(c.index for c in done) == [0, 1, 2, 3]
    assert all(c.finish_reason == "cancelled" for c in done)
    partial = [c for c in done if c.tokens]
    assert partial and all(c.raw_text == "".join(c.tokens) for c in partial)
    assert all(len(c.tokens) < 200 for c in done)


def test_no_logprobs_notice_and_random_ranking_label():
    messages = []
    with FakeOpenAI(Behaviour(logprobs=False)) as fake:
        backend = RemoteBackend.connect(fake.url, progress=messages.append)
        cands = backend.generate(PROMPT, params(n=2))
    assert f"notice: {NO_LOGPROBS_NOTICE}" in messages
    assert not backend.info.logprobs and "random ranking" in backend.info.describe()
    assert not backend.capabilities.token_logprobs and not backend.capabilities.scoring
    assert all(c.token_logprobs == [] and c.mean_logprob == float("-inf") and c.raw_text for c in cands)


def test_retries_on_503_and_429_with_backoff():
    sleeps = []
    with FakeOpenAI(Behaviour(fail_statuses=[503, 429], retry_after="0.2")) as fake:
        backend = RemoteBackend.connect(fake.url, progress=lambda _m: None, backoff_s=0.01)
    # The connection probe succeeded at the third attempt.
    assert sum(b["prompt"] == "def" for b in fake.bodies("/v1/completions")) == 3
    with FakeOpenAI(Behaviour(fail_statuses=[])) as fake:
        backend = RemoteBackend.connect(fake.url, progress=lambda _m: None, backoff_s=0.01)
        backend.transport._sleep = sleeps.append
        fake.behaviour.fail_statuses = [502, 429]
        fake.behaviour.retry_after = "0.2"
        [cand] = backend.generate(PROMPT, params())
    # Exponential backoff, or the server's Retry-After where longer.
    assert cand.raw_text == ROW0 and sleeps == [0.01, 0.2]


def test_retries_run_out():
    with FakeOpenAI() as fake:
        backend = connect(fake, retries=2)
        fake.behaviour.fail_statuses = [500, 500, 500]
        fake.behaviour.error_body = "CUDA out of memory"
        with pytest.raises(ServerFailed, match="answered 500.*CUDA out of memory"):
            backend.generate(PROMPT, params())


def test_connection_dropped_mid_stream_is_retried_from_scratch():
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.drop_after_tokens = [2]
        events = list(backend.stream(PROMPT, params(n=1)))
    assert any(isinstance(e, TokenDelta) and e.reset for e in events)
    [cand] = [e.candidate for e in events if isinstance(e, CandidateDone)]
    assert cand.raw_text == ROW0 and cand.token_logprobs == [-0.5, -1.0, -0.25]


def test_connection_lost_for_good():
    with FakeOpenAI() as fake:
        backend = connect(fake, retries=1)
        fake.behaviour.drop_after_tokens = [1, 1]
        with pytest.raises(ServerUnreachable, match="lost the connection"):
            backend.generate(PROMPT, params())


def test_stream_without_done_after_every_sample_finished_keeps_them():
    # Every sample's finish reason came: the connection lost before [DONE] cost nothing.
    with FakeOpenAI() as fake:
        backend = connect(fake, retries=0)
        expected = backend.generate(PROMPT, params(n=3, seed=1))
        fake.behaviour.no_done = True
        got = backend.generate(PROMPT, params(n=3, seed=1))
    assert [c.text for c in got] == [c.text for c in expected] and all(c.finish_reason for c in got)


def test_unreachable_port_fails_fast():
    with FakeOpenAI() as fake:
        url = fake.url
    started = time.perf_counter()
    with pytest.raises(ServerUnreachable, match="cannot reach .*is the server running"):
        RemoteBackend.connect(url, progress=lambda _m: None)
    assert time.perf_counter() - started < 2


def test_server_that_stalls_times_out():
    script = lambda body: [("a", -0.1)] * 5  # noqa: E731
    with FakeOpenAI(Behaviour(script=script)) as fake:
        backend = connect(fake, read_timeout_s=0.2, retries=0)
        fake.behaviour.token_delay_s = 1.0
        with pytest.raises(ServerUnreachable, match="did not answer within 0.2 s"):
            backend.generate(PROMPT, params())


def test_model_not_found():
    with FakeOpenAI(Behaviour(models=["a", "b"])) as fake:
        with pytest.raises(ModelNotFound, match="serves 2 models \\(a, b\\): choose one with --served-model"):
            RemoteBackend.connect(fake.url, progress=lambda _m: None)
        with pytest.raises(ModelNotFound, match="does not serve 'c'; it serves a, b"):
            RemoteBackend.connect(fake.url, "c", progress=lambda _m: None)
        backend = RemoteBackend.connect(fake.url, "b", progress=lambda _m: None)
        assert backend.info.name == "b"
        # Unloaded between connection and use: the server's 404 names the model.
        fake.behaviour.models = ["a"]
        with pytest.raises(ModelNotFound, match="does not serve model 'b'"):
            backend.generate(PROMPT, params())


def test_wrong_path_is_explained(fake):
    with pytest.raises(ServerFailed, match="no OpenAI endpoint here .*ends in /v1"):
        RemoteBackend.connect(fake.url.replace("/v1", "/api"), "fake-model", progress=lambda _m: None)


def test_malformed_responses():
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.malformed = True
        with pytest.raises(MalformedResponse, match="not a JSON object"):
            backend.generate(PROMPT, params())
        # A server that ignores stream=true answers plain JSON.
        body = {"model": "fake-model", "prompt": "x", "stream": False}
        with pytest.raises(MalformedResponse, match="application/json, not an event stream"):
            list(backend.transport.stream("/completions", body, Call(), lambda: None))


def test_unauthorized_without_and_with_wrong_key(monkeypatch):
    monkeypatch.delenv("CODESYNTH_API_KEY", raising=False)
    with FakeOpenAI(Behaviour(api_key="right-key")) as fake:
        with pytest.raises(AuthFailed, match="401.*no API key was sent \\(set CODESYNTH_API_KEY\\)"):
            RemoteBackend.connect(fake.url, progress=lambda _m: None)
        monkeypatch.setenv("CODESYNTH_API_KEY", "wrong-key")
        with pytest.raises(AuthFailed, match="the API key was refused") as err:
            RemoteBackend.connect(fake.url, progress=lambda _m: None)
        assert "wrong-key" not in str(err.value)  # the server echoed it; the message does not
        monkeypatch.setenv("CODESYNTH_API_KEY", "right-key")
        backend = RemoteBackend.connect(fake.url, progress=lambda _m: None)
        assert backend.generate(PROMPT, params())[0].raw_text
        assert all(h.get("Authorization") == "Bearer right-key" for _p, h, _b in fake.requests[-2:])


def test_score_reads_echoed_prompt_logprobs(fake):
    backend = connect(fake)
    # Pieces of 3 characters: "abcdef" + "ghij" -> "abc" "def" "ghi" "j"; the continuation starts
    # inside nothing, so its tokens are "ghi" (-0.3) and "j" (-0.4).
    assert backend.score("abcdef", "ghij") == pytest.approx([-0.3, -0.4])
    # A token spanning the boundary ("def" for context "abcde") belongs to the continuation.
    assert backend.score("abcde", "fghij") == pytest.approx([-0.2, -0.3, -0.4])
    assert backend.score("abc", "") == []
    body = fake.bodies("/v1/completions")[-1]
    assert body["echo"] is True and body["logprobs"] == 1 and body["temperature"] == 0


def test_score_unsupported_is_clear():
    with FakeOpenAI(Behaviour(logprobs=False)) as fake:
        backend = connect(fake)
        with pytest.raises(ScoringUnsupported, match="cannot score a given text: turn back-translation off"):
            backend.score("abc", "def")
        assert isinstance(ScoringUnsupported("x"), NotImplementedError)
