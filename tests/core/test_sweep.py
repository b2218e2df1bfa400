"""The sampling lab's sweep with the tiny model and the real sandbox."""

import csv
import io
import json
import threading
from dataclasses import replace

import pytest

from core.evaluation.passk import pass_at_k
from core.evaluation.plots import logprob_distribution, pass_at_k_vs_k, ranking_curves
from core.evaluation.summary_keys import by_k, by_temperature
from core.evaluation.sweep import DEMO, LabSample, Sweep, TemperatureRow, curve_ks, parse_temperatures, run_sweep
from core.sampling.params import SamplingParams

PROMPT = "def double(x):\n"
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(0) == 0\n"


def test_sweep_runs_live_and_summarizes(tiny_engine):
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as pool:
        progress = []
        final = Sweep((0.2, 1.0), 4)
        for sample in run_sweep(
            tiny_engine,
            pool,
            PROMPT,
            TESTS,
            "double",
            (0.2, 1.0),
            4,
            SamplingParams(max_new_tokens=8, mode="completion"),
        ):
            final.record(sample)
            progress.append((len(final.samples), final.tested))
    assert final.done and len(final.samples) == 8
    # Each sample comes once drawn and once tested: 16 facts, as they happen, not only at the end.
    assert progress[0] == (1, 0) and progress[-1] == (8, 8) and len(progress) == 16
    summary = final.summary(ks=(1, 2, 4))
    # Keyed as every summary is (core.evaluation.summary_keys), so it reads the same after a JSON round trip.
    assert set(summary["pass_at_k"]) == {"0.2", "1"}
    assert all(set(v) == {"pass@1", "pass@2", "pass@4"} for v in summary["pass_at_k"].values())
    assert json.loads(json.dumps(summary)) == summary
    distinct = summary["distinct_programs"]["1"]
    assert distinct["samples"] == 4 and 1 <= distinct["distinct"] <= 4
    assert distinct["distinct_passing"] <= sum(bool(s.passed) for s in final.at(1.0))
    assert {"oracle", "mean_logprob", "sum_logprob", "random"} <= set(summary["ranking"]["0.2"])
    rows = list(csv.reader(io.StringIO(final.to_csv())))
    assert rows[0][:3] == ["temperature", "index", "mean_logprob"] and len(rows) == 9
    # The same figure code as the report draws the lab's plots.
    for fig in (
        pass_at_k_vs_k({t: by_k(v) for t, v in by_temperature(summary["pass_at_k"]).items()}),
        ranking_curves(by_temperature(summary["ranking"])),
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
    assert summary["pass_at_k"]["0.5"]["pass@1"] == pytest.approx(pass_at_k(3, 2, 1))
    assert summary["distinct_programs"]["0.5"] == {"samples": 4, "distinct": 2, "distinct_passing": 2}
    assert not sweep.done
    # by default every k up to the samples tested
    assert list(sweep.summary()["pass_at_k"]["0.5"]) == ["pass@1", "pass@2", "pass@3"]
    # The table: pass@4 waits for the fourth verdict.
    assert sweep.table() == [TemperatureRow(0.5, 4, 3, 2, pytest.approx(2 / 3), None, 2, 2)]


def test_a_verdict_replaces_its_sample_and_the_facts_survive_json():
    sweep = Sweep((0.2, 0.8), 2)
    drawn = LabSample(0.8, 1, "    return x\n", -0.5, -1.0)
    sweep.record(drawn)
    sweep.record(LabSample(0.2, 0, "    return 2 * x\n", -0.2, -0.4, True, "passed"))
    sweep.record(replace(drawn, passed=False, result="failed: AssertionError"))
    assert [(s.temperature, s.index, s.passed) for s in sweep.samples] == [(0.8, 1, False), (0.2, 0, True)]
    assert (len(sweep.samples), sweep.tested, sweep.total, sweep.done) == (2, 2, 4, False)
    again = Sweep.from_json(json.loads(json.dumps(sweep.to_json())))
    assert again == sweep and again.to_csv() == sweep.to_csv()
    again.record(LabSample(0.2, 1, "", None, 0.0))  # positions are rebuilt from the samples
    assert len(again.samples) == 3


def test_stop_leaves_later_temperatures_unsampled(tiny_engine):
    from sandbox import SandboxPool

    cancel = threading.Event()
    with SandboxPool(workers=1) as pool:
        final = Sweep((0.2, 1.0), 4)
        for sample in run_sweep(
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
            final.record(sample)
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
