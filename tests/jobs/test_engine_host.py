"""The engine host as the app runs it: a spawned process on a real pipe, with the tiny model and
the app's one sandbox pool. A Workbench run is the shared pipeline: every candidate arrives, every
distinct program gets one verdict, copies share it, and Generated comes last."""

import multiprocessing
import os

import psutil
import pytest

from core.host import serve
from core.host.protocol import (
    Generate,
    Generated,
    Load,
    Loaded,
    Quit,
    RunEvents,
    RunTests,
    RunTestsDone,
    SandboxReady,
)
from core.pipeline import CandidateArrived, Harness, VerdictArrived
from core.sampling.params import SamplingParams

PROMPT = 'def inc(x):\n    """Return x + 1."""\n'
TESTS = "def check(candidate):\n    assert candidate(1) == 2\n"


@pytest.fixture
def host():
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    cancel = ctx.Event()  # held here until the child has it: a dropped one is gone before it unpickles
    process = ctx.Process(target=serve.serve, args=(theirs, cancel), daemon=True)
    process.start()
    theirs.close()
    yield ours, process
    ours.send(Quit())
    process.join(timeout=10)
    if process.is_alive():
        process.kill()


def replies_until(conn, last_type, timeout_s=120.0):
    replies = []
    while conn.poll(timeout_s):
        replies.append(conn.recv())
        if isinstance(replies[-1], last_type):
            return replies
    raise AssertionError(f"no {last_type.__name__} within {timeout_s} s: {replies}")


def test_a_run_streams_candidates_and_one_verdict_per_program(host, tiny_model_dir):
    conn, _process = host
    conn.send(Load(str(tiny_model_dir)))
    loaded = replies_until(conn, Loaded)
    if not any(isinstance(r, SandboxReady) for r in loaded):  # the workers and the model start side by side
        replies_until(conn, SandboxReady, 30)
    params = SamplingParams(n=6, temperature=0.0, max_new_tokens=8, mode="completion", seed=3)
    conn.send(Generate(11, PROMPT, params, Harness(PROMPT, TESTS, "inc")))
    replies = replies_until(conn, Generated)
    assert replies[-1] == Generated(11)
    events = [e for r in replies if isinstance(r, RunEvents) and r.run_id == 11 for e in r.events]
    arrived = [e for e in events if isinstance(e, CandidateArrived)]
    verdicts = {e.index: e for e in events if isinstance(e, VerdictArrived)}
    assert sorted(a.candidate.index for a in arrived) == list(range(6))
    # Greedy rows are one program: it ran once, and the five copies share that run's verdict.
    assert [a.same_as for a in arrived].count(None) == 1
    assert set(verdicts) == set(range(6)) and len({v.tested_as for v in verdicts.values()}) == 1
    # A reopened run's candidates are tested without the model, with the same verdicts.
    conn.send(RunTests(12, tuple(a.candidate for a in arrived), Harness(PROMPT, TESTS, "inc")))
    again = replies_until(conn, RunTestsDone)
    retested = {
        e.index: e.result for r in again if isinstance(r, RunEvents) for e in r.events if isinstance(e, VerdictArrived)
    }
    assert {i: r.passed for i, r in retested.items()} == {i: v.result.passed for i, v in verdicts.items()}


def test_the_sandbox_keeps_the_guis_priority_while_decoding_yields(host):
    conn, process = host
    replies_until(conn, SandboxReady, 60)
    workers = psutil.Process(process.pid).children(recursive=True)
    assert workers, "the sandbox's workers are the engine host's children"
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert {w.nice() for w in workers} == {ours}
    # The host's main thread, which loads the model and starts its threads, runs 5 lower.
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == ours + 5


def test_the_last_candidates_are_sent_when_the_model_stops_not_with_a_verdict(host, tiny_model_dir):
    conn, _process = host
    conn.send(Load(str(tiny_model_dir)))
    replies_until(conn, Loaded)
    slow_tests = "import time\n\ndef check(candidate):\n    time.sleep(1.0)\n    assert candidate(1) == 2\n"
    # The random model's text lands in a comment cut at its first line, so every candidate
    # compiles and its verdict waits for the slow test (a syntax error's verdict would come at once).
    prompt = "def inc(x):\n    return x + 1  # "
    params = SamplingParams(n=3, temperature=0.8, max_new_tokens=8, mode="completion", seed=5, stop=("\n",))
    conn.send(Generate(21, prompt, params, Harness(prompt, slow_tests, "inc")))
    batches = [r.events for r in replies_until(conn, Generated) if isinstance(r, RunEvents)]
    last_arrival = max(i for i, batch in enumerate(batches) if any(isinstance(e, CandidateArrived) for e in batch))
    # A test takes a second; the table shows every candidate long before the first verdict.
    assert not any(isinstance(e, VerdictArrived) for batch in batches[: last_arrival + 1] for e in batch)
    verdicts = [e.result for batch in batches for e in batch if isinstance(e, VerdictArrived)]
    assert len(verdicts) == 3 and all(v.passed for v in verdicts), verdicts  # the slow test ran for each
