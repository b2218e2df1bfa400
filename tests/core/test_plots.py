"""The evaluation figures: every curve is named, and no legend covers the data (issue 23)."""

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from core.evaluation import plots

PASS_AT_K = {0.2: {1: 0.4, 10: 0.6}, 0.8: {1: 0.3, 10: 0.8}}
CURVES = {
    t: {"oracle": [0.5, 0.7, 0.8], "mean_logprob": [0.4, 0.5, 0.6], "random": [0.4, 0.4, 0.4]} for t in (0.2, 0.8)
}
FIGURES = {
    "pass_at_k_vs_k": (plots.pass_at_k_vs_k, (PASS_AT_K,), 2),
    "pass_at_k_vs_temperature": (plots.pass_at_k_vs_temperature, (PASS_AT_K,), 2),
    "distinct": (
        plots.distinct_programs_vs_temperature,
        (
            {
                0.2: {"samples": 10, "distinct": 3, "distinct_passing": 1},
                0.8: {"samples": 10, "distinct": 8, "distinct_passing": 2},
            },
        ),
        3,
    ),
    "ranking": (plots.ranking_curves, (CURVES,), 3),
    "logprobs": (plots.logprob_distribution, ([-0.1, -0.2, -0.15], [-0.9, -0.7]), 2),
}


@pytest.mark.parametrize("name", FIGURES)
def test_one_legend_outside_every_plot(name):
    draw, args, entries = FIGURES[name]
    fig = draw(*args)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    assert all(ax.get_legend() is None for ax in fig.axes)
    [legend] = fig.legends
    assert len(legend.get_texts()) == entries  # a panel per temperature names its curves once
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), f"the legend covers a plot of {name}"
