"""Presentation mode enlarges the text of the Sampling lab's figures, not just the Qt fonts: in the
real window on the tiny model, after a real sweep, F5 draws the lab's four figures again from the
sweep's samples with 1.5x text, and F5 again brings back the engine's own figures."""

import io

from PIL import Image

from core.evaluation.sweep_figures import PLOTS, render
from desktop_app import theme
from tests.gui.conftest import run_tab_and_wait

PROMPT = 'def double(x):\n    """Return twice x."""\n'
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n"


def test_presentation_mode_draws_the_lab_figures_with_larger_text(qtbot, tiny_window):
    w = tiny_window
    tab = w.lab_tab
    tab.set_problem(PROMPT, TESTS)
    tab.temperatures.setText("0.3, 0.9")
    tab.samples.setValue(3)
    w.controls.max_new_tokens.setValue(8)
    assert run_tab_and_wait(qtbot, w, tab) == "done"
    sweep = tab.sweep
    engine_pngs = tab.plots.pngs()
    assert set(engine_pngs) == set(PLOTS)
    # Drawn here at the usual size, the figures are the engine's to the byte: the same data and resolution.
    assert render(sweep.temperatures, sweep.n, sweep.samples, theme.is_dark(), 1.0) == engine_pngs

    w.presentation_action.trigger()
    try:
        qtbot.waitUntil(lambda: all(tab.plots.pngs()[name] != engine_pngs[name] for name in PLOTS), timeout=60_000)
        larger = tab.plots.pngs()
        assert larger == render(sweep.temperatures, sweep.n, sweep.samples, theme.is_dark(), 1.5)
        for name in PLOTS:  # the same picture size: only the text took more of it
            assert Image.open(io.BytesIO(larger[name])).size == Image.open(io.BytesIO(engine_pngs[name])).size
    finally:
        w.presentation_action.trigger()
    assert tab.plots.pngs() == engine_pngs
