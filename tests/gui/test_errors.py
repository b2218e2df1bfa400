"""Every user mistake and failure gets a plain message; the app never crashes, never freezes
and never loses the prompt."""

import types

import psutil
import pytest

from desktop_app import engine_client
from tests.gui import failing_engine
from tests.gui.conftest import generate_and_wait, open_window

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


@pytest.fixture
def w(tiny_window):
    tiny_window.tabs.setCurrentWidget(tiny_window.splitter)
    tiny_window.message.clear()
    tiny_window.prompt_editor.setPlainText(PROMPT)
    tiny_window.tests_editor.setPlainText(TESTS_SRC)
    tiny_window.controls.samples.setValue(2)
    tiny_window.controls.max_new_tokens.setValue(8)
    return tiny_window


def test_empty_prompt(w):
    w.prompt_editor.setPlainText("   \n")
    w.generate()
    assert "prompt is empty" in w.message.text()
    assert w.message.kind == "error" and w.controller.engine.state == "idle"


def test_tests_syntax_error_shown_inline_before_running(qtbot, w):
    w.tests_editor.setPlainText("def check(candidate):\n    assert candidate(1) ==\n")
    assert w.tests_editor.error_label.isVisible()
    assert "line 2" in w.tests_editor.error_label.text()
    assert len(w.tests_editor.editor.extraSelections()) == 1  # the line is marked
    rows_before = w.model.rowCount()
    w.generate()
    assert "Syntax error in the tests, line 2" in w.message.text()
    assert w.controller.engine.state == "idle" and w.model.rowCount() == rows_before
    assert w.prompt_editor.toPlainText() == PROMPT


def test_tests_that_would_check_nothing_are_refused_before_running(qtbot, w):
    # Red-team round 8: a pytest class ran no assert, and every candidate passed "0 of 0".
    w.tests_editor.setPlainText("class TestAdd:\n    def test_small(self):\n        assert add(1, 2) == 3\n")
    assert w.tests_editor.error_label.isVisible()
    assert "in class TestAdd, which the sandbox does not run" in w.tests_editor.error_label.text()
    rows_before = w.model.rowCount()
    w.generate()
    assert w.message.text().startswith("The tests would check nothing: the tests are in class TestAdd")
    assert w.controller.engine.state == "idle" and w.model.rowCount() == rows_before


def test_prompt_without_function_for_tests(w):
    w.prompt_editor.setPlainText("# just a comment\n")
    w.generate()
    assert "defines no function" in w.message.text()


def test_invalid_params(w):
    w.controls.stops.setPlainText("\\x4")
    w.generate()
    assert "Invalid parameter" in w.message.text() and "escape" in w.message.text()
    w.controls.stops.setPlainText("\\ndef")


def test_instruct_mode_without_chat_template(qtbot, w):
    w.controls.mode.setCurrentIndex(w.controls.mode.findData("instruct"))
    generate_and_wait(qtbot, w)
    assert "no chat template" in w.message.text()
    assert w.generate_action.isEnabled()
    w.controls.mode.setCurrentIndex(0)


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec, reason", [("/nonexistent/model", "model folder not found"), ("config-less", "has no config.json")]
)
def test_model_load_failure(qtbot, tmp_path, spec, reason):
    if spec == "config-less":
        spec = str(tmp_path)
    window = open_window(qtbot, spec)
    try:
        assert reason in window.model_bar.status.text()
        assert "could not be loaded" in window.message.text()
        window.prompt_editor.setPlainText(PROMPT)
        window.generate()
        assert "No model is loaded" in window.message.text()
        assert window.prompt_editor.toPlainText() == PROMPT
    finally:
        window.close()


@pytest.mark.slow
def test_out_of_memory_during_generation(qtbot, monkeypatch, tiny_model_dir):
    monkeypatch.setattr(engine_client, "engine_host", types.SimpleNamespace(serve=failing_engine.serve))
    window = open_window(qtbot, str(tiny_model_dir))
    try:
        window.prompt_editor.setPlainText(PROMPT)
        window.tests_editor.setPlainText(TESTS_SRC)
        window.generate()
        qtbot.waitUntil(lambda: window.controller.engine.state == "idle", timeout=30000)
        assert "Out of memory" in window.message.text() and "lower max new tokens" in window.message.text()
        assert window.generate_action.isEnabled() and window.prompt_editor.toPlainText() == PROMPT
    finally:
        window.close()


def test_engine_process_that_dies_at_once(qtbot, monkeypatch, tiny_model_dir):
    monkeypatch.setattr(engine_client, "engine_host", types.SimpleNamespace(serve=failing_engine.die_at_once))
    from desktop_app.main_window import MainWindow

    window = MainWindow(model_spec=str(tiny_model_dir))
    window.show()
    try:
        qtbot.waitUntil(lambda: "exit code 3" in window.model_bar.status.text(), timeout=60000)
        assert "model process stopped unexpectedly (exit code 3)" in window.model_bar.status.text()
        assert window.controller.engine.state == "idle" and window.load_action.isEnabled()
        # The sandbox's workers were that process's children: the status bar does not claim them.
        assert window.status.sandbox.text() == "sandbox: unavailable"
    finally:
        window.close()


@pytest.mark.slow
def test_sandbox_unavailable(qtbot, monkeypatch, tiny_model_dir):
    monkeypatch.setattr(engine_client, "engine_host", types.SimpleNamespace(serve=failing_engine.without_sandbox))
    from desktop_app.main_window import MainWindow

    window = MainWindow(model_spec=str(tiny_model_dir))
    window.show()
    try:
        qtbot.waitUntil(
            lambda: window.controller.engine.sandbox_error is not None and window.controller.engine.info is not None,
            timeout=60000,
        )
        assert window.status.sandbox.text() == "sandbox: unavailable"
        window.prompt_editor.setPlainText(PROMPT)
        window.tests_editor.setPlainText(TESTS_SRC)
        window.controls.samples.setValue(2)
        window.controls.max_new_tokens.setValue(8)
        generate_and_wait(qtbot, window)
        assert "sandbox is unavailable" in window.message.text() and "no isolation layer" in window.message.text()
        assert {window.model.entry(c.index).test for c in window.model.finished()} == {"not tested"}
    finally:
        window.close()


def test_stop_during_model_load(qtbot):
    from desktop_app.main_window import MainWindow

    window = MainWindow(model_spec="default")
    window.show()
    try:
        qtbot.waitUntil(lambda: window.controller.engine.state == "loading", timeout=5000)
        pid = window.controller.engine._process.pid
        window.stop_action.trigger()
        assert "Model load stopped" in window.message.text()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert window.controller.engine.info is None and window.generate_action.isEnabled()
        window.prompt_editor.setPlainText(PROMPT)
        window.generate()
        assert "No model is loaded" in window.message.text()
    finally:
        window.close()


@pytest.mark.slow
def test_close_mid_run_leaves_no_process(qtbot, tiny_model_dir):
    window = open_window(qtbot, str(tiny_model_dir))
    window.prompt_editor.setPlainText(PROMPT)
    window.tests_editor.setPlainText(TESTS_SRC)
    window.controls.samples.setValue(8)
    window.controls.max_new_tokens.setValue(2000)
    window.controls.stops.setPlainText("")
    window.console.show()
    qtbot.waitUntil(lambda: window.console.kernel is not None, timeout=60000)
    window.generate()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=30000)
    pids = [
        window.controller.engine.pid,
        window.console.kernel.process.pid,
    ]
    assert psutil.Process(window.controller.engine.pid).children(), "the sandbox workers are the engine's children"
    descendants = {p.pid for pid in pids for p in psutil.Process(pid).children(recursive=True)} | set(pids)
    procs = [psutil.Process(p) for p in descendants]
    window.close()
    # Killed processes take a moment to be reaped by their (possibly namespaced) parents.
    _gone, alive = psutil.wait_procs(procs, timeout=5)
    assert [(p.pid, p.name(), p.status()) for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
