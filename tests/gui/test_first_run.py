"""The first launch (welcome, the sandbox in plain words, the guided tour) and Help > About."""

import pytest
from PySide6.QtCore import QSettings

from desktop_app.first_run import DONE_KEY
from sandbox.layers import plain_report
from tests.gui.conftest import open_window


@pytest.mark.slow
def test_first_launch_welcomes_reports_the_sandbox_and_tours(qtbot, tiny_model_dir):
    QSettings().setValue(DONE_KEY, False)
    window = open_window(qtbot, str(tiny_model_dir))
    try:
        assert "Welcome to CodeSynth Studio" in window.message.text()
        assert QSettings().value(DONE_KEY, type=bool)  # offered once
        layers = window.controller.sandbox_layers
        assert window.sandbox_report == plain_report(layers)
        assert "Generated code runs in the sandbox with" in window.sandbox_report
        window.message.action_button.click()  # Start the tour
        assert window.message.text().startswith("Tour 1/3")
        window.controls.samples.setValue(3)
        window.controls.max_new_tokens.setValue(16)
        window.message.action_button.click()  # Load an example
        example = window.examples_menu.entries[0]
        assert window.prompt_editor.toPlainText() == example.prompt and window.tests_editor.text() == example.tests
        assert window.message.text().startswith("Tour 2/3")
        window.message.action_button.click()  # Generate
        qtbot.waitUntil(lambda: window.message.text().startswith("Tour 3/3"), timeout=120_000)
        assert len(window.model.finished()) == 3
        assert "pass@" in window.summary.text()
    finally:
        window.close()
    second = open_window(qtbot, str(tiny_model_dir))
    try:
        assert "Welcome" not in second.message.text()
    finally:
        second.close()


def test_plain_report_names_what_is_missing_and_how_to_get_it():
    text = plain_report({"namespaces": False, "landlock": 7, "seccomp": True, "rlimits": True})
    assert "file-access rules" in text and "apt install bubblewrap" in text
    assert "UNISOLATED" not in text and "WITHOUT isolation" in plain_report({"unsafe": True})


def test_about_lists_versions_model_and_licences(qtbot, tiny_window):
    box = tiny_window.about()
    text = box.text()
    box.close()
    assert "Qwen2.5-Coder-0.5B-Instruct" in text and "Alibaba Cloud" in text and "SmolLM2" in text
    assert "Apache-2.0" in text and "HumanEval" in text and "MIT" in text
    assert "PySide6 6." in text and "torch 2." in text
    assert tiny_window.controller.engine.info.describe() in text
    assert tiny_window.usage_action.menu() is None and tiny_window.usage_action.shortcut().toString()


def test_example_prompts_menu_fills_the_workbench_and_undo_restores(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText("def mine():\n")
    entry = w.examples_menu.entries[-1]
    w.examples_menu.actions()[-1].trigger()
    assert w.prompt_editor.toPlainText() == entry.prompt and w.tests_editor.text() == entry.tests
    w.prompt_editor.undo()
    assert w.prompt_editor.toPlainText() == "def mine():\n"
