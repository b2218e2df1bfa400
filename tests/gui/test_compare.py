"""The Compare tab in the real window, on the tiny model and the real sandbox: two Workbench runs
pinned from History side by side (table cells, best candidates, the diff of two candidates, the
figure), an eval run directory pinned beside them, the limit of four, and the pinned runs saved
as a session that comes back from History."""

from PySide6.QtCore import Qt

from core.displayable import displayable
from core.evaluation import compare as cmp
from core.evaluation.compare_sources import from_session
from desktop_app.compare_tab import KIND
from tests.core.test_compare import PLAN, write_eval_dir
from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


def _run(qtbot, w, temperature: float) -> int:
    w.tabs.setCurrentWidget(w.splitter)
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(4)
    w.controls.max_new_tokens.setValue(12)
    w.controls.temperature.setValue(temperature)
    generate_and_wait(qtbot, w)
    qtbot.waitUntil(lambda: w.recorder.session_id is None)  # every verdict saved
    return w.store.list()[0].id


def _cells(table) -> dict[str, list[str]]:
    return {
        table.verticalHeaderItem(i).text(): [table.item(i, j).text() for j in range(table.columnCount())]
        for i in range(table.rowCount())
    }


def test_two_runs_side_by_side_saved_and_restored(qtbot, tiny_window, tmp_path):
    w = tiny_window
    cold, hot = _run(qtbot, w, 0.2), _run(qtbot, w, 1.2)
    tab = w.compare_tab
    w.history.refresh()
    for sid in (cold, hot):  # History's "Pin to Compare", as the user right-clicks it
        [item] = [
            w.history.list.item(i)
            for i in range(w.history.list.count())
            if w.history.list.item(i).data(Qt.ItemDataRole.UserRole) == sid
        ]
        w.history.list.setCurrentItem(item)
        [pin] = [a for a in w.history.list.actions() if a.text() == "Pin to Compare"]
        pin.trigger()
    assert w.tabs.currentWidget() is tab and [r.origin for r in tab.runs] == [
        f"{w.store.path}#{cold}",
        f"{w.store.path}#{hot}",
    ]

    # The table, the best candidates and the diff come at later turns of the event loop.
    assert not tab.settled and tab.table.rowCount() == 0 and all(not view.toPlainText() for view in tab.best_views)
    qtbot.waitUntil(lambda: tab.settled)
    cells = _cells(tab.table)
    assert cells["temperature"] == ["0.2", "1.2"]
    assert "model" not in cells and "n" not in cells  # shared: said once, above the table
    runs = [from_session(w.store, sid)[0] for sid in (cold, hot)]
    for column, sid in enumerate((cold, hot)):
        verdicts = w.store.results(sid)
        passed = sum(v["passed"] for v in verdicts.values())
        assert cells["passed / tested"][column] == f"{passed} / 4"
        assert cells["pass@1"][column] == f"{100 * passed / 4:.1f}%"
        saved = w.store.candidates(sid)
        best = max(saved, key=lambda c: (c.mean_logprob, -c.index))
        assert tab.best_views[column].toPlainText() == displayable(best.text)  # the view escapes controls
        assert tab.best_titles[column].text().startswith(f"<b>{'AB'[column]}</b> #{best.index}")
        assert cells["distinct programs (passing)"][column].startswith(
            str(len({cmp.program_key(c.text) for c in saved}))
        )

    # The diff: each run's best by default; then two chosen candidates.
    assert (tab.diff_left.currentData(), tab.diff_right.currentData()) == (
        f"A#{tab.comparison.stats[0].best.index}",
        f"B#{tab.comparison.stats[1].best.index}",
    )
    tab.diff_left.setCurrentIndex(tab.diff_left.findData("A#1"))
    tab.diff_right.setCurrentIndex(tab.diff_right.findData("B#2"))
    tab._on_diff_chosen()
    a1 = next(c for c in w.store.candidates(cold) if c.index == 1)
    b2 = next(c for c in w.store.candidates(hot) if c.index == 2)
    shown = tab.diff_view.toPlainText()
    if cmp.program_key(a1.text) == cmp.program_key(b2.text):
        assert shown == "A#1 and B#2 are the same program."
    else:
        assert shown.startswith("--- A#1 add #1\n+++ B#2 add #2\n")
        old, new = displayable(a1.text), displayable(b2.text)  # the view escapes controls
        assert all(f"-{line}" in shown for line in old.splitlines() if line.strip() not in new)
    qtbot.waitUntil(lambda: bool(tab.plot.png), timeout=60_000)  # drawn on the worker thread
    assert tab.plot.png[:8] == b"\x89PNG\r\n\x1a\n"

    # An eval run's temperature beside them; another eval run's two temperatures would make five: refused.
    write_eval_dir(tmp_path / "run", PLAN)
    write_eval_dir(tmp_path / "other", PLAN)
    assert tab.pin_eval_dir(str(tmp_path / "run"), 0.2)
    assert not tab.pin_eval_dir(str(tmp_path / "other"))
    assert "at most 4 runs" in w.message.text() and len(tab.runs) == 3
    qtbot.waitUntil(lambda: tab.settled)
    assert _cells(tab.table)["source"] == ["Workbench run", "Workbench run", "eval run"]
    assert not tab.pin_eval_dir(str(tmp_path / "missing"))
    assert "no such eval run directory" in w.message.text()

    # Saved with the session: cleared, then reopened from History, the runs and the diff come back.
    compare_id = tab.session_id
    row = w.store.get(compare_id)
    assert row.kind == KIND and row.name.startswith("Compare add · T=0.2 vs add · T=1.2 vs run · T=0.2")
    document = tab.document()
    tab.clear()
    qtbot.waitUntil(lambda: tab.settled)
    assert tab.runs == [] and tab.table.rowCount() == 0 and tab.session_id is None
    w.open_session(compare_id)
    qtbot.waitUntil(lambda: tab.settled)
    assert tab.document() == document and [r.origin for r in tab.runs][:2] == [r.origin for r in runs]
    assert tab.diff_view.toPlainText() == shown
    assert _cells(tab.table)["temperature"] == ["0.2", "1.2", "0.2"]
    tab.unpin(2)
    assert [cmp.RunRecord.from_json(r) for r in w.store.document(compare_id, KIND)["runs"]] == runs
