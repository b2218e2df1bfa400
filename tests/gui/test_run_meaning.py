"""Issue 23: runs that mean what they say and input that is never silently changed. A new problem
starts a new run; a syntax error in the prompt is refused with its line; typed counts are taken
or refused aloud; cut, degenerate and cancelled candidates never look like normal results."""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from core.evaluation.problems import load_problems
from core.host.jobs.examples_job import candidate_row
from core.host.snapshots import ExamplesSnapshot
from core.ranking.degenerate import degenerate_reason
from core.sampling.candidate import Candidate
from core.sampling.params import MAX_SAMPLES
from desktop_app.candidates_model import CANCELLED, DONE, NOTES, TESTS
from tests.gui.conftest import generate_and_wait, generate_until_streaming

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


def assert_empty_run(w):
    assert w.model.rowCount() == 0 and w.controller.run is None
    assert w.summary.text() == "No candidates yet." and w.details.heat.toPlainText() == ""


def test_a_new_problem_starts_a_new_run(qtbot, w):
    generate_and_wait(qtbot, w)
    old = w.store.list()[0]
    problem = load_problems()["HumanEval/0"]
    w.load_problem(problem)  # what Ctrl+P's browser does on Open
    assert_empty_run(w)
    assert w.windowTitle().endswith("HumanEval/0") and w.store.get(old.id).state == "done"
    generate_and_wait(qtbot, w)
    assert w.store.list()[0].name == "HumanEval/0"  # not "from typing import List"

    w.first_run.tour()
    w.message.action_button.click()  # the tour's "Load an example"
    example = w.examples_menu.entries[0]
    assert_empty_run(w)
    assert w.prompt_editor.toPlainText() == example.prompt and w.windowTitle().endswith(example.title)

    examples = w.job_tabs["examples"]
    examples.use_requested.emit("def twice(x):\n    return 2 * x\n", "assert twice(2) == 4\n", "twice")
    assert_empty_run(w)
    assert w.tests_editor.text() == "assert twice(2) == 4\n" and w.windowTitle().endswith("twice (from examples)")
    assert w.tabs.currentWidget() is w.splitter


def test_a_new_problem_during_a_run_stops_it(qtbot, w):
    w.controls.samples.setValue(8)
    w.controls.max_new_tokens.setValue(400)
    w.controls.stops.setPlainText("")
    try:
        generate_until_streaming(qtbot, w, deltas=2)
        sid = w.recorder.session_id
        w.load_problem(load_problems()["HumanEval/2"])
        qtbot.waitUntil(lambda: w.controller.engine.state == "idle", timeout=30_000)
        assert_empty_run(w)
        assert "kept in History" in w.message.text() and w.store.get(sid).state == "stopped"
    finally:
        w.controls.stops.setPlainText("\\ndef\\n\\nclass")


def test_stop_keeps_cut_off_candidates_untested_and_uncounted(qtbot, w):
    w.controls.samples.setValue(12)
    w.controls.max_new_tokens.setValue(1000)
    w.controls.stops.setPlainText("")
    ended = []
    w.controller.run_finished.connect(lambda: ended.append(w.status.currentMessage()))
    try:
        generate_until_streaming(qtbot, w)
        w.controller.stop()
        qtbot.waitUntil(lambda: bool(ended), timeout=60_000)
    finally:
        w.controls.stops.setPlainText("\\ndef\\n\\nclass")
    entries = [w.model.entry(c.index) for c in w.model.finished()]
    cancelled = [e for e in entries if e.candidate.finish_reason == "cancelled"]
    assert cancelled and all(e.test == CANCELLED and e.result is None for e in cancelled)
    assert all(e.test == DONE for e in entries if e not in cancelled)
    done = len(entries) - len(cancelled)
    summary = w.summary.text()
    assert f"{done} of 12 samples finished" in summary and f"{len(cancelled)} stopped before the end" in summary
    assert (f"of {done} tested sample" in summary) == bool(done) and "0/12" not in summary
    assert ended[0].startswith(f"Stopped: {done} of 12 samples finished")
    row = w.view.ranked_indices().index(cancelled[0].index)
    w.view.selectRow(row)
    assert "not run" in w.details.outcome.toPlainText() and "Stop" in w.details.title.text()
    assert w.view.proxy.index(row, TESTS).data() == "stopped, not tested"


def test_a_prompt_syntax_error_is_refused_with_its_line(qtbot, w):
    rows = w.model.rowCount()
    w.prompt_editor.setPlainText('def add(a, b:\n    """Return a + b."""\n')
    w.generate()
    text = w.message.text()
    assert text.startswith("Syntax error in the prompt, line 1:") and "'(' is opened but never closed" in text
    assert w.controller.engine.state == "idle" and w.model.rowCount() == rows
    assert len(w.prompt_editor.extraSelections()) == 1  # the line is marked
    w.prompt_editor.setPlainText("def add(a, b):\n")  # a signature alone is a prompt
    generate_and_wait(qtbot, w)
    assert w.message.kind != "error" and not w.prompt_editor.extraSelections()


def type_count(qtbot, box, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    box.interpretText()


def test_sample_counts_are_taken_or_refused_aloud(qtbot, w):
    box, note = w.controls.samples, w.controls.samples.note
    type_count(qtbot, box, "500")
    assert box.value() == 500 and w.controls.params().n == 500 and note.isHidden()
    assert "Up to 4,000 tokens" in w.controls.estimate.text()  # 500 samples x 8 new tokens
    type_count(qtbot, box, "1000000")
    assert box.value() == MAX_SAMPLES and not note.isHidden() and "At most 1,000" in note.text()
    type_count(qtbot, box, "0")
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Qt then puts the old value back
    assert box.value() == MAX_SAMPLES and "At least 1" in note.text() and not note.isHidden()
    type_count(qtbot, box, "20")
    assert box.value() == 20 and note.isHidden()


def test_the_estimate_uses_the_measured_speed(qtbot, w):
    w.controller.last_tokens_per_s = None
    w.controls.apply_preset("pass@100 (T=0.8)")
    assert w.controls.samples.value() == 200 and "rough guess" in w.controls.estimate.text()
    w.controls.samples.setValue(2)
    generate_and_wait(qtbot, w)
    assert w.controller.last_tokens_per_s > 0
    assert "last run's speed" in w.controls.estimate.text() and "Up to 16 tokens" in w.controls.estimate.text()


def candidate(index: int, prompt: str, text: str, finish_reason: str = "stop") -> Candidate:
    return Candidate(
        index,
        text,
        text,
        [1, 2],
        [-0.1, -0.2],
        finish_reason,
        tokens=["a", "b"],
        degenerate=degenerate_reason(prompt, text),
    )


def test_cut_and_degenerate_candidates_never_look_normal(qtbot, w):
    saved = [
        candidate(0, PROMPT, "    return a + b\n"),
        candidate(1, PROMPT, "    pass\n"),
        candidate(2, PROMPT, "    return a + b\n    # and", "length"),
    ]
    sid = w.store.create("add", "workbench", PROMPT, TESTS_SRC, {"n": 3, "seed": 0}, state="interrupted")
    for c in saved:
        w.store.add_candidate(sid, c)
    w.open_session(sid)  # no verdicts were saved: they are tested now, into the same session
    qtbot.waitUntil(lambda: len(w.store.results(sid)) == 3, timeout=60_000)
    assert w.store.get(sid).state == "stopped"  # reopened, no longer "interrupted"
    shown = w.view.ranked_indices()
    assert shown[-1] == 1  # the placeholder last, though the tests were run on it too
    colours = {i: w.view.proxy.index(shown.index(i), TESTS).data(Qt.ItemDataRole.BackgroundRole) for i in shown}
    assert colours[0] == QColor("#2e7d32") and colours[1] != colours[0] and colours[2] != colours[0]
    notes = {i: w.view.proxy.index(shown.index(i), NOTES).data() for i in shown}
    assert notes[0] == "" and "not an attempt: only a placeholder" in notes[1] and "cut by the token limit" in notes[2]
    assert "1 cut by the token limit" in w.summary.text() and "1 not a real attempt" in w.summary.text()
    assert w.view.proxy.index(shown.index(0), TESTS).data() == "1 of 1 tests passed"
    w.view.selectRow(shown.index(1))
    assert w.details.warning.text().startswith("⚠ Not an attempt")
    w.view.selectRow(shown.index(0))
    assert w.details.warning.text() == ""

    examples = w.job_tabs["examples"]
    # All "right": only the warnings may set the cut and degenerate ones apart.
    rows = tuple(replace(candidate_row(c), verdicts=(None,), explanation="1 of 1 examples right") for c in saved)
    examples.show_snapshot(ExamplesSnapshot(PROMPT, "add", 1, 3, "done", rows))
    items = [examples.candidates.item(i) for i in range(3)]
    assert items[0].foreground().color() == QColor("#2e7d32") and "⚠" not in items[0].text()
    assert "⚠ not an attempt" in items[1].text() and items[1].foreground().color() != QColor("#2e7d32")
    assert "⚠ cut by the token limit" in items[2].text() and items[2].foreground().color() != QColor("#2e7d32")


def test_an_instruct_reply_shows_no_closing_fence(qtbot, w):
    # As core.modes.instruct leaves it: the raw reply cut before the line that closes the fence, while
    # the sampled tokens run on into it.
    body = "    return a + b\n"
    fenced = Candidate(0, body, body, [1, 2, 3], [-0.1, -0.1, -0.1], "stop", tokens=["    return a", " + b\n", "```"])
    w.controller.show_saved(PROMPT, "", [fenced], {}, 0, 1)
    w.view.selectRow(0)
    assert "```" not in w.details.heat.toPlainText() and w.details.heat.toPlainText().endswith(body)
    assert "```" not in w.view.proxy.index(0, w.view.proxy.columnCount() - 1).data()


def test_the_welcome_follows_the_set_up(qtbot, tiny_model_dir):
    from PySide6.QtCore import QSettings

    from desktop_app.first_run import DONE_KEY
    from tests.gui.conftest import open_window

    QSettings().setValue(DONE_KEY, False)
    window = open_window(qtbot, str(tiny_model_dir))
    try:
        text = window.message.text()
        assert text.startswith("Welcome") and "is loaded and ready" in text and "being set up" not in text
        assert window.sandbox_report in text  # the sandbox in plain words, where it is not cut off
    finally:
        window.close()
