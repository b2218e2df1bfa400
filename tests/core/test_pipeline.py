"""The one generate -> drop duplicates -> test -> rank pipeline, on the tiny random model and the
real sandbox: events in order, duplicates tested once, cancel, and bad candidates alone."""

import re
import threading
import time

import pytest

from core.pipeline import CandidateArrived, Done, Harness, RankingChanged, VerdictArrived, run_pipeline
from core.sampling.candidate import Candidate, CandidateDone
from core.sampling.params import SamplingParams

PROMPT = "def inc(x):\n"
TESTS = "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6\n"
HARNESS = Harness(PROMPT, TESTS, "inc", timeout_s=2.0)


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=2) as sandbox:
        yield sandbox


def written(index: int, text: str, logprob: float = -1.0) -> Candidate:
    return Candidate(
        index=index, text=text, raw_text=text, token_ids=[1, 2], token_logprobs=[logprob, logprob], finish_reason="stop"
    )


def test_events_arrive_in_order_and_every_candidate_gets_one_verdict(tiny_engine, pool):
    params = SamplingParams(n=4, max_new_tokens=16, seed=2)
    events = list(run_pipeline(tiny_engine.stream(PROMPT, params), pool, HARNESS))
    done = events[-1]
    assert isinstance(done, Done) and not done.cancelled and done.untested == ()
    assert sum(isinstance(e, Done) for e in events) == 1
    arrived = [i for i, e in enumerate(events) if isinstance(e, CandidateArrived)]
    assert sorted(events[i].candidate.index for i in arrived) == [0, 1, 2, 3]
    for position, event in enumerate(events):
        if isinstance(event, VerdictArrived):  # never before its candidate
            assert any(isinstance(e, CandidateArrived) and e.candidate.index == event.index for e in events[:position])
    verdicts = [e for e in events if isinstance(e, VerdictArrived)]
    assert sorted(v.index for v in verdicts) == [0, 1, 2, 3]
    assert {v.index: v.result for v in verdicts} == dict(done.verdicts)
    # The last ranking is by mean log-prob, ties by request order, and Done repeats it.
    orders = [e.order for e in events if isinstance(e, RankingChanged)]
    assert orders[-1] == done.order
    expected = sorted(done.candidates, key=lambda c: (c.degenerate is not None, -c.mean_logprob, c.index))
    assert list(done.order) == [c.index for c in expected]
    assert all(a != b for a, b in zip(orders, orders[1:]))  # only changes are reported


def test_duplicate_programs_are_tested_once_and_share_the_verdict(tiny_engine, pool):
    # Greedy decoding writes the same program n times.
    params = SamplingParams(n=3, temperature=0.0, max_new_tokens=16)
    events = list(run_pipeline(tiny_engine.stream(PROMPT, params), pool, HARNESS))
    arrived = {e.candidate.index: e.same_as for e in events if isinstance(e, CandidateArrived)}
    first = min(arrived)
    assert arrived == {i: (None if i == first else first) for i in range(3)}
    verdicts = [e for e in events if isinstance(e, VerdictArrived)]
    assert len(verdicts) == 3 and {v.tested_as for v in verdicts} == {first}
    assert len({id(v.result) for v in verdicts}) == 1  # one run's result, not three equal ones


def test_copies_that_differ_in_blank_lines_and_trailing_spaces_share_one_run(pool):
    texts = ["    return x + 1\n", "    return x + 1  \n\n", "    return x + 2\n"]
    events = list(run_pipeline([CandidateDone(written(i, t)) for i, t in enumerate(texts)], pool, HARNESS))
    done = events[-1]
    assert done.verdicts[0] is done.verdicts[1] and done.verdicts[0].passed
    assert not done.verdicts[2].passed
    assert [e.same_as for e in events if isinstance(e, CandidateArrived)] == [None, 0, None]


def test_a_crashing_or_hanging_candidate_costs_the_others_nothing(pool):
    texts = [
        "    while True:\n        pass\n",
        "    import os\n    os._exit(3)\n",
        "    return x + 1\n",
        "    raise SystemExit(0)\n",
        "    return [0] * (10 ** 10)\n",
        "    return x + 1 # same\n",
    ]
    stream = [CandidateDone(written(i, t, -0.1 * i)) for i, t in enumerate(texts)]
    done = list(run_pipeline(stream, pool, Harness(PROMPT, TESTS, "inc", timeout_s=1.0)))[-1]
    assert set(done.verdicts) == set(range(len(texts)))
    assert done.verdicts[0].status == "timeout"
    assert sorted(i for i, v in done.verdicts.items() if v.passed) == [2, 5]  # verdicts arrive in any order
    assert all(not done.verdicts[i].passed for i in (1, 3, 4))


def test_cancel_stops_testing_promptly_and_reports_what_was_done(pool):
    texts = ["    return x + 1\n", "    while True:\n        pass\n", "    while True:\n        x += 0\n"]
    cancel = threading.Event()
    events = run_pipeline(
        [CandidateDone(written(i, t)) for i, t in enumerate(texts)],
        pool,
        Harness(PROMPT, TESTS, "inc", timeout_s=60.0),
        cancel,
    )
    for event in events:
        if isinstance(event, VerdictArrived):
            break
    assert event.index == 0 and event.result.passed
    cancel.set()
    began = time.monotonic()
    done = list(events)[-1]
    assert time.monotonic() - began < 5  # not the 60 s the hanging runs were allowed
    assert done.cancelled and set(done.verdicts) == {0} and done.untested == (1, 2)


def test_cancel_stops_generation_and_cut_off_candidates_are_not_tested(tiny_engine, pool):
    cancel = threading.Event()
    params = SamplingParams(n=3, max_new_tokens=900, stop=(), seed=1)

    def stopped_at_the_first_token(events):
        # Stop as the first tokens arrive: a timer lost the race on a fast CPU, where the tiny
        # model wrote all three candidates to their end before it fired.
        for event in events:
            cancel.set()
            yield event

    began = time.monotonic()
    stream = stopped_at_the_first_token(tiny_engine.stream(PROMPT, params, cancel))
    done = list(run_pipeline(stream, pool, HARNESS, cancel))[-1]
    assert time.monotonic() - began < 30
    assert done.cancelled
    cut = [c.index for c in done.candidates if c.finish_reason == "cancelled"]
    assert cut and not set(cut) & set(done.verdicts) and not set(cut) & set(done.untested)


def test_without_a_harness_nothing_is_tested(tiny_engine):
    done = list(run_pipeline(tiny_engine.stream(PROMPT, SamplingParams(n=2, max_new_tokens=8)), None, HARNESS))[-1]
    assert len(done.candidates) == 2 and done.verdicts == {} and done.untested == ()


def test_cli_generate_tests_through_the_pipeline_and_copies_share_one_verdict(tmp_path, tiny_model_dir, capsys):
    import json

    from core.cli.main import main

    prompt, tests = tmp_path / "inc.py", tmp_path / "tests.py"
    prompt.write_text(PROMPT)
    tests.write_text(TESTS)
    options = "-n 3 --temperature 0 --max-new-tokens 8 --mode completion".split()
    code = main(["generate", str(prompt), "--tests", str(tests), "--model", str(tiny_model_dir), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3] and sorted(r["index"] for r in rows) == [0, 1, 2]
    assert len({r["completion"] for r in rows}) == 1  # greedy: one program three times
    assert all(r["status"] == rows[0]["status"] and r["result"] == rows[0]["result"] for r in rows)
    assert all(r["tests_total"] == 2 for r in rows)


def test_cli_from_examples_tests_every_candidate_through_the_pipeline(tmp_path, tiny_model_dir, capsys):
    from core.cli.main import main

    table = tmp_path / "fahrenheit.csv"
    table.write_text("celsius,expected\n0,32.0\n100,212.0\n")
    options = "-n 3 --max-new-tokens 8 --mode completion --no-questions".split()
    described = ["--description", "Convert Celsius to Fahrenheit"]
    code = main(["from-examples", str(table), *described, "--model", str(tiny_model_dir), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    listed = out.split("All candidates:\n")[1].splitlines()[:3]
    assert sorted(int(line.split()[0].lstrip("#")) for line in listed) == [0, 1, 2]
    assert all(re.search(r"\d of 2 examples right", line) for line in listed)


def test_a_measurement_runs_every_copy_on_its_own(pool):
    texts = ["    return x + 1\n", "    return x + 1\n", "\n    return x + 1  \n"]
    events = list(
        run_pipeline([CandidateDone(written(i, t)) for i, t in enumerate(texts)], pool, HARNESS, share_verdicts=False)
    )
    verdicts = [e for e in events if isinstance(e, VerdictArrived)]
    assert sorted(v.index for v in verdicts) == [0, 1, 2] and all(v.tested_as == v.index for v in verdicts)
    assert len({id(v.result) for v in verdicts}) == 3 and all(v.result.passed for v in verdicts)


def test_eval_the_workbench_and_the_pipeline_count_the_same_distinct_programs(pool):
    from core.evaluation.evaluate import summarize
    from core.evaluation.run_dir import EvalConfig, sample_key
    from core.ranking.order import group_duplicates

    # Blank lines and trailing spaces once made eval and the Workbench disagree.
    texts = [
        "    return x + 1\n",
        "    return x + 1",
        "    return x + 1   \n\n",
        "    return x+1\n",
        "  return x + 1\n",
    ]
    cands = [written(i, t) for i, t in enumerate(texts)]
    samples = [
        {
            "task_id": "t",
            "temperature": 0.2,
            "index": c.index,
            "completion": c.text,
            "mean_logprob": -1.0,
            "sum_logprob": -2.0,
        }
        for c in cands
    ]
    results = {sample_key(r): {"passed": True} for r in samples}
    config = EvalConfig(
        problems="t",
        problems_sha256="",
        task_ids=("t",),
        n=5,
        temperatures=(0.2,),
        mode="completion",
        model="m",
        examine=False,
    )
    eval_distinct = summarize(config, [1], samples, results)["distinct_programs"]["0.2"]["distinct"]
    events = list(run_pipeline([CandidateDone(c) for c in cands], pool, HARNESS))
    pipeline_distinct = sum(e.same_as is None for e in events if isinstance(e, CandidateArrived))
    assert eval_distinct == len(group_duplicates(cands)) == pipeline_distinct == 3


def test_a_backend_that_fails_part_way_is_raised_after_its_candidates_verdicts(pool):
    def failing():
        yield CandidateDone(written(0, "    return x + 1\n"))
        yield CandidateDone(written(1, "    return x\n"))
        raise RuntimeError("the server went away")

    events = []
    with pytest.raises(RuntimeError, match="the server went away"):
        for event in run_pipeline(failing(), pool, HARNESS):
            events.append(event)
    verdicts = {e.index: e.result.passed for e in events if isinstance(e, VerdictArrived)}
    assert verdicts == {0: True, 1: False}
