"""The real default model on HumanEval/0, loaded through the problem browser's path."""

import pytest

from core.evaluation.problems import load_problems
from tests.gui.conftest import generate_and_wait, open_window


@pytest.mark.integration
@pytest.mark.slow
def test_humaneval_0_on_default_model(qtbot):
    window = open_window(qtbot, "default", timeout_s=300)
    try:
        assert window.controller.engine.info is not None, window.model_bar.status.text()
        assert "Qwen2.5-Coder-0.5B-Instruct" in window.model_bar.status.text()
        window.load_problem(load_problems()["HumanEval/0"])
        window.controls.apply_preset("pass@1 (T=0.2)")
        window.controls.samples.setValue(4)
        generate_and_wait(qtbot, window, timeout_s=300)
        finished = window.model.finished()
        assert len(finished) == 4
        badges = [window.model.entry(c.index).test for c in finished]
        assert badges == ["done"] * 4
        shown = window.view.ranked_indices()
        means = [window.model.entry(i).candidate.mean_logprob for i in shown]
        assert means == sorted(means, reverse=True)
        assert "pass@1" in window.summary.text() and "pass@4" in window.summary.text()
    finally:
        window.close()
