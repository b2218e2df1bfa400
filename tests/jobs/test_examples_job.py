"""The From-examples job on the tiny model and the real sandbox: snapshots grow, every candidate
gets one verdict per example and a sentence, best first; Stop ends it early."""

import re
import threading
import time

import pytest

from core.host.jobs import JobError
from core.host.jobs.examples_job import run
from core.modes.examples import best_first, build_spec, example_verdicts, explain
from core.sampling.params import SamplingParams

HEADER = ["celsius", "expected"]
ROWS = [["0", "32.0"], ["100", "212.0"], ["-40", "-40.0"]]
DESCRIPTION = "Convert a temperature in Celsius to Fahrenheit"


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def start(engine, pool, cancel, **params):
    spec = build_spec(HEADER, ROWS, DESCRIPTION)
    return spec, run(
        engine,
        lambda: pool,
        cancel,
        prompt=spec.prompt,
        tests=spec.tests,
        entry_point=spec.name,
        header=HEADER,
        rows=ROWS,
        description=DESCRIPTION,
        params=SamplingParams(**params),
    )


def test_snapshots_grow_and_every_candidate_is_explained_best_first(tiny_engine, pool):
    spec, job = start(tiny_engine, pool, threading.Event(), n=4, max_new_tokens=24, seed=3)
    snapshots = list(job)
    counts = [len(s.candidates) for s in snapshots]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 4
    last = snapshots[-1]
    assert last.state == "done" and last.examples == 3 and last.n == 4 and last.name == spec.name
    assert sorted(c.index for c in last.candidates) == [0, 1, 2, 3]
    for c in last.candidates:
        assert len(c.verdicts) == 3
        assert re.fullmatch(r"\d of 3 examples right(; for .+)?", c.explanation)
        assert c.explanation == explain(spec, c.verdicts)
    ranked = last.candidates
    assert best_first([c.verdicts for c in ranked], [c.mean_logprob for c in ranked]) == [0, 1, 2, 3]


def test_stop_ends_the_job_early_without_testing_unfinished_candidates(tiny_engine, pool):
    cancel = threading.Event()
    _spec, job = start(tiny_engine, pool, cancel, n=6, max_new_tokens=900, seed=1, stop=())
    first = next(job)
    assert first.state == "generating" and first.candidates == ()
    cancel.set()
    began = time.monotonic()
    last = list(job)[-1]
    assert time.monotonic() - began < 30
    assert last.state == "stopped"
    cancelled = [c for c in last.candidates if c.finish_reason == "cancelled"]
    assert cancelled and all(c.verdicts is None for c in cancelled)


def test_a_bad_table_is_a_plain_job_error(tiny_engine, pool):
    job = run(
        tiny_engine,
        lambda: pool,
        threading.Event(),
        prompt="def f(x):\n",
        tests="",
        entry_point="f",
        header=HEADER,
        rows=[["[1, 2", "3"]],
        description="",
        params=SamplingParams(),
    )
    with pytest.raises(JobError, match="row 1, column 'celsius': looks like a list"):
        next(job)


def test_sandbox_reports_what_a_wrong_function_returned(pool):
    """The sentence names the returned value, through the sandbox's own rewriting of the tests."""
    from sandbox import Program

    spec = build_spec(HEADER, ROWS, DESCRIPTION)
    texts = {}
    for body in ("    return celsius * 9 / 5 + 32\n", "    return celsius\n", "    return 1 / 0\n"):
        cases = pool.submit(Program(spec.prompt, body, spec.tests, spec.name)).result().cases
        texts[body] = explain(spec, example_verdicts(spec, cases))
    assert list(texts.values()) == [
        "3 of 3 examples right",
        "1 of 3 examples right; for 0 it returned 0, expected 32.0; for 100 it returned 100, expected 212.0",
        "0 of 3 examples right; "
        + "; ".join(f"for {c} it failed: ZeroDivisionError: division by zero" for c in ("0", "100", "-40")),
    ]
