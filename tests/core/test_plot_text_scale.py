"""Presentation mode's larger type reaches the matplotlib figures: inside core.evaluation.plots.styled every
text of a figure (titles, axis labels, ticks, legends) is drawn text_scale times its usual size, in
the light and the dark style, and the Compare figure's PNG is drawn that way."""

import io

import pytest
from PIL import Image

from core.evaluation import compare as cmp
from core.evaluation import plots
from core.evaluation.compare_sources import load_runs
from tests.core.test_compare import PLAN, write_eval_dir


def _text_sizes(fig) -> list[float]:
    ax = fig.axes[0]
    texts = [
        ax.title,
        ax.xaxis.label,
        *ax.get_xticklabels(),
        *(t for legend in fig.legends for t in legend.get_texts()),
    ]
    return [t.get_fontsize() for t in texts]


@pytest.mark.parametrize("dark", [False, True])
def test_every_text_of_a_figure_grows_by_the_scale(dark):
    data = {0.2: {1: 0.3, 2: 0.4}, 0.8: {1: 0.2, 2: 0.5}}
    with plots.styled(dark):
        usual = _text_sizes(plots.pass_at_k_vs_k(data))
    with plots.styled(dark, text_scale=1.5):
        larger = _text_sizes(plots.pass_at_k_vs_k(data))
    assert len(usual) > 4
    assert larger == pytest.approx([1.5 * size for size in usual])


def test_the_compare_png_is_drawn_with_the_larger_text(tmp_path):
    write_eval_dir(tmp_path / "run", PLAN)
    comparison = cmp.compare(load_runs(str(tmp_path / "run")))
    usual, larger = cmp.render_png(comparison), cmp.render_png(comparison, text_scale=1.5)
    # Same picture size, other pixels: the larger labels take more of it.
    assert Image.open(io.BytesIO(usual)).size == Image.open(io.BytesIO(larger)).size
    assert usual != larger
