"""Samples a server ends before finishing them (llama_cpp.server's default interrupt_requests, vLLM's
"abort"): never reported as candidates. They are asked for again one at a time, the server gets
one request at a time from then on, and where even that fails the run fails with the server flag
that avoids it. Against tests/remote/fake_openai.py; test_llama_server.py does the same against
the real server."""

from __future__ import annotations

import json
import multiprocessing
import threading

import pytest

from core.cli.main import main
from core.remote.backend import RemoteBackend, SamplesCut
from core.sampling.candidate import CandidateDone, TokenDelta
from core.sampling.params import SamplingParams
from tests.remote.fake_openai import Behaviour, FakeOpenAI

PROMPT = "def f(x):\n"
SLOW = 0.05  # seconds per token: long enough for the other requests to arrive mid-stream
HINT = "--interrupt_requests False"


def connect(fake, notices=None, **options):
    return RemoteBackend.connect(
        fake.url, progress=(notices.append if notices is not None else lambda _m: None), backoff_s=0.01, **options
    )


def sample(behaviour: Behaviour, mode: str, n: int = 3, notices=None) -> tuple[list, FakeOpenAI, RemoteBackend]:
    with FakeOpenAI(behaviour) as fake:
        backend = connect(fake, notices)
        events = list(backend.stream(PROMPT, SamplingParams(n=n, seed=4, mode=mode)))
    return events, fake, backend


def candidates(events) -> dict:
    return {e.candidate.index: e.candidate for e in events if isinstance(e, CandidateDone)}


def expected(mode: str, n: int = 3) -> dict:
    """What a server that lets requests queue returns for the same seed."""
    events, fake, _ = sample(Behaviour(), mode, n)
    assert fake.interrupted == 0
    return {i: c.raw_text for i, c in candidates(events).items()}


@pytest.mark.parametrize("mode", ["completion", "instruct"])
def test_cut_samples_are_sampled_again_alone_and_the_server_goes_sequential(mode):
    notices = []
    events, fake, backend = sample(Behaviour(interrupt_requests=True, token_delay_s=SLOW), mode, notices=notices)
    assert fake.interrupted >= 1  # the server did cut samples
    done = candidates(events)
    assert sorted(done) == [0, 1, 2]
    # Each candidate is the whole sample a queueing server gives: never empty, never cut short.
    assert {i: c.raw_text for i, c in done.items()} == expected(mode)
    assert all(c.tokens and c.token_logprobs and c.finish_reason in ("stop", "eos") for c in done.values())
    # Streamed text of a cut sample was taken back before its new sample arrived.
    assert any(isinstance(e, TokenDelta) and e.reset for e in events) or mode == "instruct"
    assert backend.max_in_flight == 1
    assert [n for n in notices if HINT in n and "one request at a time from now on" in n]


def test_after_the_first_cut_the_server_is_asked_one_request_at_a_time():
    with FakeOpenAI(Behaviour(interrupt_requests=True, token_delay_s=SLOW)) as fake:
        backend = connect(fake)
        backend.generate(PROMPT, SamplingParams(n=3, seed=1, mode="completion"))
        cut_before = fake.interrupted
        cands = backend.generate(PROMPT, SamplingParams(n=4, seed=2, mode="completion"))
    assert fake.interrupted == cut_before and len(cands) == 4 and all(c.tokens for c in cands)


@pytest.mark.parametrize("reason", ["abort", "length"])
def test_aborted_and_empty_length_finishes_are_cut_samples(reason):
    """vLLM ends an aborted sample with finish_reason "abort"; a sample cut before its first token
    may come with "length" and no tokens. Neither is a candidate."""
    behaviour = Behaviour(interrupt_requests=True, token_delay_s=SLOW, finish_reason_when_cut=reason)
    events, fake, _ = sample(behaviour, "instruct")
    assert fake.interrupted >= 1
    done = candidates(events)
    assert {i: c.raw_text for i, c in done.items()} == expected("instruct")
    assert all(c.tokens and c.finish_reason != reason for c in done.values())


def test_samples_cut_even_when_alone_fail_the_run_and_name_the_flag():
    events = []
    with FakeOpenAI(Behaviour(cut_every_stream=True, token_delay_s=SLOW / 5)) as fake:
        backend = connect(fake)
        with pytest.raises(SamplesCut, match=f"ended 3 of 3 samples before finishing them.*{HINT}"):
            events.extend(backend.stream(PROMPT, SamplingParams(n=3, seed=0, mode="completion")))
        # Each was asked for once more, alone.
        assert len([b for b in fake.bodies("/v1/completions") if b.get("stream")]) == 6
    assert candidates(events) == {}


def test_the_cli_exits_non_zero_and_says_which_flag_avoids_it(capsys, tmp_path):
    prompt = tmp_path / "prompt.py"
    prompt.write_text(PROMPT)
    with FakeOpenAI(Behaviour(cut_every_stream=True)) as fake:
        code = main(["generate", str(prompt), "--model", fake.url, "-n", "3", "--mode", "completion"])
    out, err = capsys.readouterr()
    assert code != 0 and HINT in err and out == ""
    with FakeOpenAI(Behaviour(interrupt_requests=True, token_delay_s=SLOW)) as fake:
        code = main(["generate", str(prompt), "--model", fake.url, "-n", "3", "--mode", "completion"])
        assert fake.interrupted >= 1
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3
    assert all(r["tokens"] and r["mean_logprob"] is not None and r["completion"] for r in rows)
    assert HINT in err  # the notice that the server went sequential is not swallowed in JSONL mode


def test_the_cli_writes_the_candidates_that_finished_before_the_server_failed(capsys, tmp_path, monkeypatch):
    import core.sampling.open_backend
    from core.sampling.candidate import Candidate

    class HalfwayBackend:
        """Finishes one candidate, then fails as a server that cuts every request does."""

        info = None

        def stream(self, prompt, params):
            yield CandidateDone(
                Candidate(
                    index=0,
                    text="    return x\n",
                    raw_text="    return x\n",
                    token_ids=[1],
                    token_logprobs=[-0.5],
                    finish_reason="stop",
                )
            )
            raise SamplesCut(f"the server ended 2 of 3 samples before finishing them; start it with {HINT}")

    monkeypatch.setattr(core.sampling.open_backend, "open_backend", lambda *a, **k: HalfwayBackend())
    prompt = tmp_path / "prompt.py"
    prompt.write_text(PROMPT)
    code = main(["generate", str(prompt), "--model", "http://unused/v1", "-n", "3", "--mode", "completion"])
    out, err = capsys.readouterr()
    assert code == 1 and "only 1 of 3 candidates were generated" in err and HINT in err
    assert [json.loads(line)["completion"] for line in out.splitlines()] == ["    return x\n"]


def test_the_app_engine_process_reports_it_as_a_failed_generation():
    from core.host import runs
    from core.host.protocol import Generate, GenerateFailed, RunEvents
    from core.pipeline import CandidateArrived

    parent, child = multiprocessing.Pipe()  # the replies cross a real pipe, as in the app
    with FakeOpenAI(Behaviour(cut_every_stream=True)) as fake:
        command = Generate(7, PROMPT, SamplingParams(n=2, mode="completion"), None)
        runs.generate(child.send, connect(fake), lambda: None, command, threading.Event())
    replies = []
    while parent.poll(0.5):
        replies.append(parent.recv())
    failed = [r for r in replies if isinstance(r, GenerateFailed)]
    assert len(failed) == 1 and failed[0].run_id == 7 and HINT in failed[0].message
    arrived = [e for r in replies if isinstance(r, RunEvents) for e in r.events if isinstance(e, CandidateArrived)]
    assert arrived == [] and isinstance(replies[-1], GenerateFailed)
