"""Presentation mode enlarges the text of the Sampling lab's figures, not just the Qt fonts: in the
real window on the tiny model, after a real sweep, F5 draws the lab's four figures again from the
sweep's samples with 1.5x text, and F5 again brings back the engine's own figures."""

import io

from PIL import Image

from core.host.jobs.sweep_job import PLOTS
from desktop_app import lab_figures, theme
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
    snapshot = tab._snapshot
    engine_pngs = dict(snapshot["plots"])
    assert set(engine_pngs) == set(PLOTS) and tab.plots.pngs() == engine_pngs
    # Drawn here at the usual size, the figures are the engine's to the byte: the same data and resolution.
    assert (
        lab_figures.render(snapshot["temperatures"], snapshot["n"], snapshot["samples"], theme.is_dark(), 1.0)
        == engine_pngs
    )

    w.presentation_action.trigger()
    try:
        qtbot.waitUntil(lambda: all(tab.plots.pngs()[name] != engine_pngs[name] for name in PLOTS), timeout=60_000)
        larger = tab.plots.pngs()
        assert larger == lab_figures.render(
            snapshot["temperatures"], snapshot["n"], snapshot["samples"], theme.is_dark(), 1.5
        )
        for name in PLOTS:  # the same picture size: only the text took more of it
            assert Image.open(io.BytesIO(larger[name])).size == Image.open(io.BytesIO(engine_pngs[name])).size
    finally:
        w.presentation_action.trigger()
    assert tab.plots.pngs() == engine_pngs
