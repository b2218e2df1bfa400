"""A real generation in the real window: typed prompt and tests, streamed candidates, sandbox
badges, ranking, duplicates, Stop."""

import math
import re

from PySide6.QtCore import Qt

from core.ranking.order import group_duplicates, rank
from desktop_app.candidates_model import DONE, TESTS
from tests.gui.conftest import generate_and_wait, generate_until_streaming

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n"
FINAL_BADGES = ("timed out", "error", "crashed", "sandbox error")  # or "3 of 7 tests passed"


def test_generate_ranks_and_tests_candidates(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText("")
    w.tests_editor.setPlainText("")
    qtbot.keyClicks(w.prompt_editor, "def add(a, b):")
    qtbot.keyClick(w.prompt_editor, Qt.Key.Key_Return)
    assert w.prompt_editor.toPlainText().endswith("\n    ")  # auto-indent after a colon
    qtbot.keyClicks(w.prompt_editor, '"""Return a + b."""')
    qtbot.keyClick(w.prompt_editor, Qt.Key.Key_Return)
    assert w.prompt_editor.toPlainText() == PROMPT + "    "
    for _ in range(4):
        qtbot.keyClick(w.prompt_editor, Qt.Key.Key_Backspace)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(8)
    # Long enough to span many of the engine's 50 ms event batches (8 x 24 tokens took about 20 here).
    w.controls.max_new_tokens.setValue(48)
    w.controls.temperature.setValue(1.0)
    # How many candidates were finished when each row appeared. The 8 rows are decoded together,
    # so each row appears with its first token, before any candidate is done; rows added only
    # when candidates finish would read 0, 1, ..., 7.
    finished_when_inserted = []
    w.model.rowsInserted.connect(lambda *_: finished_when_inserted.append(len(w.model.finished())))
    unfinished_rows_with_text = []  # at each table update
    w.model.dataChanged.connect(
        lambda *_: unfinished_rows_with_text.append(sum(e.candidate is None and bool(e.text) for e in w.model.entries))
    )
    generate_and_wait(qtbot, w)

    assert finished_when_inserted == [0] * 8
    assert sorted(e.index for e in w.model.entries) == list(range(8))  # one row per candidate
    assert max(unfinished_rows_with_text) > 0  # candidates' text shows while they are still written
    finished = w.model.finished()
    assert len(finished) == 8
    entries = [w.model.entry(c.index) for c in finished]
    assert all(e.test == DONE for e in entries)
    shown = w.view.ranked_indices()
    badges = [w.view.proxy.index(r, TESTS).data() for r in range(w.view.proxy.rowCount())]
    assert all(b.startswith(FINAL_BADGES) or re.fullmatch(r"\d of 2 tests passed", b) for b in badges), badges
    # The paper's order, best mean log-prob first, with degenerate candidates (an empty body, a bare
    # `pass`, which the tiny random model writes now and then) after all real ones.
    assert shown == [group[0].index for group in group_duplicates(rank(finished, "mean_logprob"))]
    real = [w.model.entry(i).candidate for i in shown if w.model.entry(i).candidate.degenerate is None]
    assert [c.mean_logprob for c in real] == sorted((c.mean_logprob for c in real), reverse=True)
    # Every candidate is shown or stands behind an identical, better-ranked one.
    assert sum(w.model.entry(i).copies for i in shown) == 8
    assert "pass@1" in w.summary.text() and "pass@5" in w.summary.text() and "pass@8" in w.summary.text()
    assert "distinct programs" in w.summary.text()


def test_selecting_shows_heat_and_outcome(qtbot, tiny_window):
    w = tiny_window
    if not w.model.finished():
        w.prompt_editor.setPlainText(PROMPT)
        w.tests_editor.setPlainText(TESTS_SRC)
        generate_and_wait(qtbot, w)
    w.view.selectRow(0)
    entry = w.model.entry(w.view.current_index())
    heat = w.details.heat
    assert heat.toPlainText().startswith(PROMPT)
    first_token = heat.token_at(len(PROMPT))
    assert first_token == 0
    tip = heat.tooltip_for(0)
    assert f"p={math.exp(entry.candidate.token_logprobs[0]):.3f}" in tip and "Top alternatives" in tip
    assert "Tests:" in w.details.outcome.toPlainText()
    w.use_in_editor()
    assert w.prompt_editor.toPlainText() == PROMPT + entry.candidate.text
    w.prompt_editor.undo()
    assert w.prompt_editor.toPlainText() == PROMPT


def test_ranking_switch(qtbot, tiny_window):
    w = tiny_window
    if not w.model.finished():
        generate_and_wait(qtbot, w)
    w.set_ranking("sum_logprob")
    assert w.view.ranked_indices() == [
        group[0].index for group in group_duplicates(rank(w.model.finished(), "sum_logprob"))
    ]
    real = [w.model.entry(i).candidate for i in w.view.ranked_indices()]
    real = [c for c in real if c.degenerate is None]
    assert [c.sum_logprob for c in real] == sorted((c.sum_logprob for c in real), reverse=True)
    w.set_ranking("random")
    leaders = [group[0].index for group in group_duplicates(rank(w.model.finished(), "random", w.model.seed))]
    assert w.view.ranked_indices() == leaders
    w.set_ranking("mean_logprob")


def test_back_translation_ranking(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(4)
    w.controls.max_new_tokens.setValue(12)
    generate_and_wait(qtbot, w)
    next(a for a in w.ranking_group.actions() if a.data() == "back_translation").trigger()
    qtbot.waitUntil(lambda: len(w.model.back_translation) == 4 and w.controller.engine.state == "idle", timeout=60_000)
    scores = w.model.back_translation
    shown = w.view.ranked_indices()
    assert all(score < 0 for score in scores.values())
    assert [scores[i] for i in shown] == sorted((scores[i] for i in shown), reverse=True)
    # A prompt without a docstring cannot be back-translated: said plainly, the table unchanged.
    w.prompt_editor.setPlainText("def add(a, b):\n")
    generate_and_wait(qtbot, w)
    qtbot.waitUntil(lambda: "needs a docstring" in w.message.text(), timeout=30_000)
    assert w.model.back_translation == {} and len(w.model.finished()) == 4
    w.set_ranking("mean_logprob")


def test_stop_mid_run_keeps_what_was_generated(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    # Enough work that Esc lands mid-run even when the window lags.
    w.controls.samples.setValue(64)
    w.controls.max_new_tokens.setValue(4096)
    w.controls.stops.setPlainText("")  # nothing ends a sample early
    # Active before the run starts, so that Esc follows the first tokens at once: waiting for the
    # activation in between once let the tiny model write every sample to its end first.
    w.activateWindow()  # other tests' windows may have been active: Esc is a window shortcut
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    generate_until_streaming(qtbot, w)
    assert w.controller.engine.state == "generating", "the run ended before the window showed its first tokens"
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.controller.engine.state == "idle", timeout=30000)
    finished = w.model.finished()
    assert len(finished) == 64
    stopped = [c for c in finished if c.finish_reason == "cancelled"]
    longest = max((len(c.token_ids) for c in stopped), default=0)
    # The random model may end a sample itself in its first tokens, before Esc lands; no other.
    assert stopped and all(
        c.finish_reason == "eos" and len(c.token_ids) <= longest for c in finished if c.finish_reason != "cancelled"
    ), [(c.finish_reason, len(c.token_ids)) for c in finished]
    assert longest < 4096
    assert all(c.token_ids for c in stopped)  # what was generated is kept
    assert w.generate_action.isEnabled()
    w.controls.stops.setPlainText("\\ndef\\n\\nclass")
