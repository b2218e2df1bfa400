"""The sampling lab's sweep with the tiny model and the real sandbox."""
import csv
import io

import pytest

from core.params import SamplingParams
from core.passk import pass_at_k
from core.plots import logprob_distribution, pass_at_k_vs_k, ranking_curves
from core.sweep import DEMO, LabSample, Sweep, run_sweep

PROMPT = "def double(x):\n"
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(0) == 0\n"


def test_sweep_runs_live_and_summarizes(tiny_engine):
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as pool:
        progress = []
        for final in run_sweep(tiny_engine, pool, PROMPT, TESTS, "double", (0.2, 1.0), 4,
                               SamplingParams(max_new_tokens=8, mode="completion")):
            progress.append((len(final.samples), sum(s.passed is not None for s in final.samples)))
    assert final.done and len(final.samples) == 8
    # Updates arrive as candidates and verdicts come in, not only at the end.
    assert progress[0] == (1, 0) and progress[-1] == (8, 8) and len(progress) >= 9
    summary = final.summary(ks=(1, 2, 4))
    assert set(summary["pass_at_k"]) == {0.2, 1.0}
    assert all(set(v) == {1, 2, 4} for v in summary["pass_at_k"].values())
    assert 1 <= summary["distinct_programs"][1.0] <= 4
    assert {"oracle", "mean_logprob", "sum_logprob", "random"} <= set(summary["ranking"][0.2])
    rows = list(csv.reader(io.StringIO(final.to_csv())))
    assert rows[0][:3] == ["temperature", "index", "mean_logprob"] and len(rows) == 9
    # The same figure code as the report draws the lab's plots.
    for fig in (pass_at_k_vs_k(summary["pass_at_k"]), ranking_curves(summary["ranking"]),
                logprob_distribution(summary["logprobs"]["passing"], summary["logprobs"]["failing"])):
        assert fig.axes


def test_summary_counts_only_tested_samples_and_uses_the_unbiased_estimator():
    sweep = Sweep((0.5,), 4, [LabSample(0.5, i, f"    return {i % 2}\n", -1.0 - i, -2.0, passed) for i, passed in
                             enumerate([True, False, None, True])])
    summary = sweep.summary(ks=(1, 2))
    assert summary["pass_at_k"][0.5][1] == pytest.approx(pass_at_k(3, 2, 1))
    assert summary["distinct_programs"][0.5] == 2
    assert not sweep.done


def test_demo_preset_shape():
    assert len(DEMO["temperatures"]) == 5 and DEMO["n"] >= 10
