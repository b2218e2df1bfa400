"""Figures from plain data, the HTML report of a run, and the text table."""

import subprocess
import sys

import pytest
from matplotlib.figure import Figure

from core.evaluation import plots
from core.evaluation.evaluate import run_eval
from core.evaluation.report import REPORT, format_table, pass_at_k_by_temperature, write_report
from core.evaluation.run_dir import EvalConfig, problems_digest
from tests.eval.conftest import FakeEngine, FakePool


@pytest.fixture
def finished_run(tmp_path, three_problems):
    config = EvalConfig(
        problems="humaneval",
        problems_sha256=problems_digest(three_problems),
        task_ids=tuple(three_problems),
        n=6,
        temperatures=(0.2, 0.8),
        mode="completion",
        model="fake",
    )
    summary = run_eval(
        tmp_path / "run", config, three_problems, [1, 2, 5], FakeEngine(three_problems), FakePool(three_problems)
    )
    return tmp_path / "run", summary


def test_figures_are_plain_figures_with_the_expected_lines():
    table = {0.2: {1: 0.1, 10: 0.3}, 0.8: {1: 0.05, 10: 0.4}}
    fig = plots.pass_at_k_vs_k(table)
    assert isinstance(fig, Figure)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["T = 0.2", "T = 0.8"]
    by_t = plots.pass_at_k_vs_temperature(table)
    assert [list(line.get_ydata()) for line in by_t.axes[0].get_lines()] == [[10.0, 5.0], [30.0, 40.0]]
    curves = plots.ranking_curves({0.2: {"oracle": [0.1, 0.2], "random": [0.1, 0.1]}, 0.8: {"oracle": [0.1, 0.3]}})
    assert len(curves.axes) == 2
    assert [line.get_label() for line in curves.axes[0].get_lines()] == ["Oracle (the tests)", "Random"]
    hist = plots.logprob_distribution([-0.2, -0.3, float("-inf")], [])
    assert len(hist.axes[0].patches) > 0
    distinct = plots.distinct_programs_vs_temperature(
        {
            0.8: {"samples": 6, "distinct": 5, "distinct_passing": 1},
            0.2: {"samples": 6, "distinct": 2, "distinct_passing": 1},
        }
    )
    assert [list(line.get_ydata()) for line in distinct.axes[0].get_lines()] == [[6, 6], [2, 5], [1, 1]]
    assert list(distinct.axes[0].get_lines()[0].get_xdata()) == [0.2, 0.8]


def test_plot_modules_pick_no_backend():
    # The GUI embeds these figures through the Qt backend: importing them must not load pyplot or Qt.
    code = (
        "import sys, core.evaluation.plots, core.evaluation.report; "
        "bad = [m for m in sys.modules if m == 'matplotlib.pyplot' or m.startswith(('PySide6', 'PyQt'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_of_a_run(finished_run):
    run_dir, summary = finished_run
    page = write_report(run_dir)
    assert page == run_dir / REPORT
    text = page.read_text()
    for name in ("pass_at_k_vs_k", "pass_at_k_vs_temperature", "distinct_programs", "ranking", "logprob_distribution"):
        assert (run_dir / f"{name}.png").stat().st_size > 1000
        assert (run_dir / f"{name}.svg").read_text().lstrip().startswith("<?xml")
        assert f'alt="{name}" src="data:image/png;base64,' in text
    # Self-contained: nothing is fetched from elsewhere.
    assert "http" not in text.replace("http://www.w3.org", "")
    assert text.count("<tr>") >= 1 + 2 + 6
    assert "HumanEval/115" in text and "33.33%" in text
    # The pick of each ranker, and why agreement is missing: the fake model writes no usable test.
    assert "<td>cluster</td>" in text and "the model wrote no usable tests for any problem" in text


def test_report_elsewhere_and_unfinished_run(finished_run, tmp_path):
    run_dir, _ = finished_run
    assert write_report(run_dir, tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError, match="no summary.json"):
        write_report(tmp_path / "missing")


def test_text_table(finished_run):
    _, summary = finished_run
    lines = format_table(summary).splitlines()
    assert lines[0].split() == ["T", "pass@1", "pass@2", "pass@5", "distinct/samples"]
    assert lines[1].split() == ["0.2", "33.33%", "60.00%", "100.00%", "6/18"]
    assert pass_at_k_by_temperature(summary)[0.8][2] == pytest.approx(0.6)
