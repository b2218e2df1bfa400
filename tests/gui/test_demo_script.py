"""A demo script in the real window on SmolLM2-135M and the real sandbox: what a presenter does
(a run with a fixed seed, a token's distribution under a moved temperature, a branch from an
alternative, a pin to Compare) is recorded, saved, opened and played with the presenter's key, and
the replay draws the same candidates, texts and log-probs, branch included. A file that is no
script, or a bad step, says so in one sentence and the window goes on working."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.storage import demo_script as ds
from desktop_app.token_heat_view import alternatives_at
from tests.gui.conftest import generate_and_wait, open_window

PROMPT = 'def add(a, b):\n    """Return the sum of a and b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


@pytest.fixture(scope="module")
def small_window(small_model_dir, qapp, tmp_path_factory):
    from pytestqt.qtbot import QtBot

    from desktop_app import main_window

    path = tmp_path_factory.mktemp("demo_window") / "sessions.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(main_window, "sessions_path", lambda: path)
        window = open_window(QtBot(None), str(small_model_dir), timeout_s=300)
    assert window.controller.engine.info is not None, window.model_bar.status.text()
    yield window
    window.close()


def _candidates(window) -> list[tuple]:
    """Every candidate of the current run, branch included, as plain values to compare."""
    return sorted(
        (
            e.candidate.index,
            e.candidate.text,
            tuple(e.candidate.token_ids),
            tuple(e.candidate.token_logprobs),
            e.branch.note() if e.branch else "",
            e.result.passed if e.result else None,
        )
        for e in window.model.entries
        if e.candidate is not None
    )


def _wait_branch(qtbot, w, start):
    finished = []
    w.controller.run_finished.connect(lambda: finished.append(True))
    start()
    qtbot.waitUntil(lambda: bool(finished) and w.controller.engine.state == "idle", timeout=120_000)


def test_a_recorded_demo_replays_the_same_candidates(qtbot, small_window, tmp_path):
    w = small_window
    w.demo.record_action.trigger()
    assert w.demo.recorder.recording and "Recording demo script" in w.demo.step_label.text()
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.set_params(
        {
            "n": 3,
            "temperature": 0.9,
            "top_p": 0.95,
            "top_k": 0,
            "max_new_tokens": 14,
            "seed": 1234,
            "mode": "completion",
        }
    )
    sessions = []
    w.controller.run_started.connect(lambda *_: sessions.append(w.recorder.session_id))
    generate_and_wait(qtbot, w, timeout_s=300)
    # The presenter looks at a candidate's token and slides the temperature over its distribution.
    parent = w.model.finished()[0]
    w.view.selectRow(w.view.ranked_indices().index(parent.index))
    position = next(i for i in range(1, len(parent.tokens)) if alternatives_at(parent, i))
    w.details.heat.select_token(position)
    for t in (1.1, 1.5):
        w.controls.temperature.setValue(t)
    alternative = alternatives_at(parent, position)[0][0]
    _wait_branch(qtbot, w, lambda: w.details.explorer.branch(position, alternative))
    w.pin_to_compare(sessions[0])
    w.demo.record_action.trigger()
    assert not w.demo.recorder.recording
    recorded = _candidates(w)
    assert len(recorded) == 4 and recorded[-1][4] == f"branch of #{parent.index} at token {position}"

    path = tmp_path / "talk.json"
    assert w.demo.save_script(str(path))
    steps = ds.load(path).steps
    kinds = [s.kind for s in steps]
    first_run = kinds.index("generate")
    assert kinds[:first_run] == ["set_params", "set_problem"] and kinds.count("generate") == 1
    assert ds.ShowToken(parent.index, position) in steps and ds.SetTemperature(1.5) in steps
    assert ds.SetTemperature(1.1) not in steps  # a slide keeps where it stopped
    assert ds.Branch(parent.index, position, alternative) in steps and ds.PinRun(0) in steps

    # Another run in between, so the replay cannot find the recorded candidates already there.
    w.controls.seed.setValue(99)
    generate_and_wait(qtbot, w, timeout_s=300)
    other_run = sessions[-1]
    assert _candidates(w)[:3] != recorded[:3]

    assert w.demo.open_script(str(path))
    assert w.demo.step_label.text().startswith(f"Demo step 1 of {len(steps)}: Set the parameters: n = 3")
    w.activateWindow()
    w.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    while w.demo.player.position < len(steps):
        qtbot.waitUntil(lambda: w.demo.next_action.isEnabled(), timeout=300_000)
        before = w.demo.player.position
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_PageDown)  # a clicker's key
        assert w.demo.player.position == before + 1, w.message.text()
        assert w.message.kind != "error", w.message.text()
    qtbot.waitUntil(lambda: not w.demo.player.waiting, timeout=300_000)
    assert w.demo.step_label.text() == f"Demo: all {len(steps)} steps played."
    assert not w.demo.next_action.isEnabled()  # Space and the arrows belong to the focused widget again

    tab = w.compare_tab
    # The demo compares its own runs: the comparison pinned while recording was set aside.
    assert w.tabs.currentWidget() is tab and [r.origin for r in tab.runs] == [f"{w.store.path}#{sessions[-1]}"]
    w.pin_to_compare(other_run)  # a second run, for a figure to draw
    # Presentation mode draws the Compare figure again with its text as much larger as the window's type.
    qtbot.waitUntil(lambda: bool(tab.plot.png), timeout=60_000)
    usual = tab.plot.png
    w.presentation_action.trigger()
    try:
        qtbot.waitUntil(lambda: tab.plot.png != usual, timeout=60_000)
        assert tab._text_scale == 1.5
    finally:
        w.presentation_action.trigger()
    qtbot.waitUntil(lambda: tab.plot.png == usual, timeout=60_000)  # and back as it was
    w.tabs.setCurrentWidget(w.splitter)
    assert _candidates(w) == recorded
    assert w.controls.temperature.value() == pytest.approx(1.5)
    assert w.details.distribution.logits is not None or "asking the model" in w.details.distribution.title.text()


def test_a_bad_script_says_why_and_the_window_goes_on(qtbot, small_window, tmp_path):
    w = small_window
    garbage = tmp_path / "notes.json"
    garbage.write_text("these are my speaker notes")
    assert not w.demo.open_script(str(garbage))
    assert w.message.kind == "error" and w.message.text().startswith("This is not a demo script: it is not valid JSON")
    w.demo.player.stop()

    mixed = tmp_path / "mixed.json"
    mixed.write_text(
        json.dumps(
            {
                "format": ds.FORMAT,
                "version": ds.VERSION,
                "steps": [
                    {"step": "show_tab", "tab": "sweep"},
                    {"step": "select_candidate", "candidate": 99},  # played, but the run has no such candidate
                    {"step": "teleport"},  # left out when read
                    {"step": "show_tab", "tab": "workbench"},
                ],
            }
        )
    )
    assert w.demo.open_script(str(mixed))
    assert w.message.text().startswith("Step 3 was left out: its kind 'teleport' is not one of")
    assert len(w.demo.player.script.steps) == 3
    w.demo.player.advance()
    assert w.tabs.currentWidget() is w.lab_tab
    w.demo.player.advance()
    assert w.message.kind == "error"
    assert w.message.text() == (
        "Demo step 2 (Select candidate #99) could not run: the run has no finished candidate #99."
    )
    w.demo.player.advance()  # the step after the one that could not run still plays
    assert w.tabs.currentWidget() is w.splitter
    assert w.demo.step_label.text() == "Demo: all 3 steps played."
    assert w.demo.save_script(str(tmp_path / "again.json"))  # the recorded script is still there to save
    unwritable = tmp_path / "missing-folder" / "x.json"
    assert not w.demo.save_script(str(unwritable))
    assert w.message.text().startswith(f"Could not save the demo script to {unwritable}")
