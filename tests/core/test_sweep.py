"""The sampling lab's sweep with the tiny model and the real sandbox."""

import csv
import io
import threading

import pytest

from core.params import SamplingParams
from core.passk import pass_at_k
from core.plots import logprob_distribution, pass_at_k_vs_k, ranking_curves
from core.sweep import DEMO, LabSample, Sweep, curve_ks, parse_temperatures, run_sweep

PROMPT = "def double(x):\n"
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(0) == 0\n"


def test_sweep_runs_live_and_summarizes(tiny_engine):
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as pool:
        progress = []
        for final in run_sweep(
            tiny_engine,
            pool,
            PROMPT,
            TESTS,
            "double",
            (0.2, 1.0),
            4,
            SamplingParams(max_new_tokens=8, mode="completion"),
        ):
            progress.append((len(final.samples), sum(s.passed is not None for s in final.samples)))
    assert final.done and len(final.samples) == 8
    # Updates arrive as candidates and verdicts come in, not only at the end.
    assert progress[0] == (1, 0) and progress[-1] == (8, 8) and len(progress) >= 9
    summary = final.summary(ks=(1, 2, 4))
    assert set(summary["pass_at_k"]) == {0.2, 1.0}
    assert all(set(v) == {1, 2, 4} for v in summary["pass_at_k"].values())
    distinct = summary["distinct_programs"][1.0]
    assert distinct["samples"] == 4 and 1 <= distinct["distinct"] <= 4
    assert distinct["distinct_passing"] <= sum(bool(s.passed) for s in final.at(1.0))
    assert {"oracle", "mean_logprob", "sum_logprob", "random"} <= set(summary["ranking"][0.2])
    rows = list(csv.reader(io.StringIO(final.to_csv())))
    assert rows[0][:3] == ["temperature", "index", "mean_logprob"] and len(rows) == 9
    # The same figure code as the report draws the lab's plots.
    for fig in (
        pass_at_k_vs_k(summary["pass_at_k"]),
        ranking_curves(summary["ranking"]),
        logprob_distribution(summary["logprobs"]["passing"], summary["logprobs"]["failing"]),
    ):
        assert fig.axes


def test_summary_counts_only_tested_samples_and_uses_the_unbiased_estimator():
    sweep = Sweep(
        (0.5,),
        4,
        [
            LabSample(0.5, i, f"    return {i % 2}\n", -1.0 - i, -2.0, passed)
            for i, passed in enumerate([True, False, None, True])
        ],
    )
    summary = sweep.summary(ks=(1, 2))
    assert summary["pass_at_k"][0.5][1] == pytest.approx(pass_at_k(3, 2, 1))
    assert summary["distinct_programs"][0.5] == {"samples": 4, "distinct": 2, "distinct_passing": 2}
    assert not sweep.done
    assert list(sweep.summary()["pass_at_k"][0.5]) == [1, 2, 3]  # by default every k up to the samples tested


def test_stop_leaves_later_temperatures_unsampled(tiny_engine):
    from sandbox import SandboxPool

    cancel = threading.Event()
    with SandboxPool(workers=1) as pool:
        # The loop's last value is the sweep as it stood when it stopped.
        for final in run_sweep(  # noqa: B007
            tiny_engine,
            pool,
            PROMPT,
            TESTS,
            "double",
            (0.2, 1.0),
            4,
            SamplingParams(max_new_tokens=8, mode="completion"),
            cancel,
        ):
            cancel.set()
    assert {s.temperature for s in final.samples} == {0.2} and not final.done


@pytest.mark.parametrize("text, temperatures", [("0.2, 0.8", (0.2, 0.8)), (" 1,0 ,2,", (1.0, 0.0, 2.0))])
def test_temperature_lists(text, temperatures):
    assert parse_temperatures(text) == temperatures


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one"),
        (" , ", "at least one"),
        ("0.2, hot", "“hot” is not a number"),
        ("0.5, 2.5", "between 0 and 2"),
        ("-0.1", "between 0 and 2"),
        ("nan", "between 0 and 2"),
        ("0.2, 0.20", "0.2 is listed twice"),
    ],
)
def test_bad_temperature_lists_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_temperatures(text)


def test_pass_at_k_curve_points():
    assert curve_ks(1) == (1,) and curve_ks(10) == tuple(range(1, 11))
    ks = curve_ks(200)
    assert ks[0] == 1 and ks[-1] == 200 and len(ks) <= 20 and list(ks) == sorted(set(ks))


def test_demo_preset_shape():
    assert len(DEMO["temperatures"]) == 5 and DEMO["n"] >= 10
