"""The model bar's server choice against a real llama.cpp server: the connection test reports
what it found or why it failed, Connect loads the server, and a generation ranks and tests its
candidates like the local engine's."""

import pytest

from tests.gui.conftest import generate_and_wait, open_window
from tests.remote.conftest import llama_server, llama_server_available  # noqa: F401 - fixtures

pytestmark = [pytest.mark.llama_server, pytest.mark.slow]


def _probe(qtbot, dialog, url: str) -> str:
    dialog.url.setText(url)
    with qtbot.waitSignal(dialog.engine.probe_result, timeout=60_000):
        dialog.test_button.click()
    return dialog.result_label.text()


def test_server_dialog_tests_connects_and_generates(qtbot, tiny_model_dir, llama_server):  # noqa: F811
    window = open_window(qtbot, str(tiny_model_dir))
    try:
        dialog = window.choose_server()
        assert (
            "refused" in _probe(qtbot, dialog, "http://127.0.0.1:9/v1").lower()
            or "reach" in dialog.result_label.text().lower()
        )
        found = _probe(qtbot, dialog, llama_server.url)
        assert found.startswith("Connected") and "127.0.0.1" in found, found
        assert window.controller.engine.info.device != "remote"  # a test never replaces the loaded model
        dialog.accept()
        qtbot.waitUntil(lambda: window.controller.engine.state == "idle", timeout=60_000)
        assert window.controller.engine.info.device == "remote", window.model_bar.status.text()
        assert "remote" in window.model_bar.status.text()
        assert window.model_bar.spec() == llama_server.url

        window.prompt_editor.setPlainText('def add(a, b):\n    """Return a + b."""\n')
        window.tests_editor.setPlainText("def check(candidate):\n    assert candidate(1, 2) == 3\n")
        window.controls.samples.setValue(4)
        window.controls.max_new_tokens.setValue(24)
        window.controls.mode.setCurrentIndex(window.controls.mode.findData("completion"))
        generate_and_wait(qtbot, window)
        finished = window.model.finished()
        assert len(finished) == 4
        ranked = [window.model.entry(i).candidate for i in window.view.ranked_indices()]
        # Best first by mean log-prob, with candidates that are no attempt (core.ranking.degenerate) after the rest.
        keys = [(c.degenerate is not None, -c.mean_logprob) for c in ranked]
        assert keys == sorted(keys)
    finally:
        window.close()
