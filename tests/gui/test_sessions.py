"""Sessions in the real window: every run autosaved as it arrives, the History sidebar (reopen,
rename, delete, search, export, import), typed text that survives a kill, and the offer to reopen
a run that a kill -9 interrupted."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.storage.session_store import SCHEMA_VERSION, SessionStore
from desktop_app.candidates_model import DONE
from tests.gui.conftest import generate_and_wait, open_window

ROOT = Path(__file__).resolve().parents[2]
PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


def _generate(qtbot, w, n=4):
    w.tabs.setCurrentWidget(w.splitter)
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(n)
    w.controls.max_new_tokens.setValue(16)
    generate_and_wait(qtbot, w)


def test_a_run_is_saved_as_it_arrives_and_reopens(qtbot, tiny_window):
    w = tiny_window
    _generate(qtbot, w)
    qtbot.waitUntil(lambda: w.recorder.session_id is None)  # closed as "done"
    row = w.store.list()[0]
    assert (row.kind, row.state, row.name, row.prompt, row.tests) == ("workbench", "done", "add", PROMPT, TESTS_SRC)
    assert row.params["n"] == 4 and row.params["max_new_tokens"] == 16
    saved = w.store.candidates(row.id)
    assert [c.index for c in saved] == [0, 1, 2, 3]
    assert [c.text for c in saved] == [w.model.entry(i).candidate.text for i in range(4)]
    results = w.store.results(row.id)
    assert set(results) == {0, 1, 2, 3}
    assert all(results[i]["passed"] == w.model.entry(i).result.passed for i in range(4))
    w.history.refresh()
    items = [w.history.list.item(i) for i in range(w.history.list.count())]
    [item] = [i for i in items if i.data(Qt.ItemDataRole.UserRole) == row.id]
    assert item.text().startswith("add\nWorkbench")

    # Reopen after the editors and the table have changed.
    w.prompt_editor.setPlainText("def other():\n")
    w.controls.samples.setValue(7)
    w.controller.model.clear()
    w.open_session(row.id)
    assert w.prompt_editor.toPlainText() == PROMPT and w.tests_editor.text() == TESTS_SRC
    assert w.controls.samples.value() == 4
    assert len(w.model.finished()) == 4
    assert all(w.model.entry(i).test == DONE for i in range(4))
    assert w.view.proxy.rowCount() >= 1
    w.prompt_editor.undo()  # reopening went through the cursor: the replaced prompt comes back
    assert w.prompt_editor.toPlainText() == "def other():\n"


def test_history_rename_search_delete_export_import(qtbot, tiny_window, tmp_path):
    w = tiny_window
    _generate(qtbot, w, n=2)
    qtbot.waitUntil(lambda: w.recorder.session_id is None)
    sid = w.store.list()[0].id
    w.history.rename(sid, "adder experiment")
    assert w.store.get(sid).name == "adder experiment"
    w.history.search.setText("adder exp")
    assert w.history.list.count() == 1 and w.history.selected_id() in (None, sid)
    w.history.search.setText("no such run at all")
    assert w.history.list.count() == 0
    w.history.search.setText("")

    session_file, samples_file = tmp_path / "s.json", tmp_path / "samples.jsonl"
    w.export_session(sid, "json", str(session_file))
    w.export_session(sid, "jsonl", str(samples_file))
    exported = json.loads(session_file.read_text())
    assert exported["session"]["name"] == "adder experiment" and len(exported["candidates"]) == 2
    rows = [json.loads(line) for line in samples_file.read_text().splitlines()]
    assert [r["task_id"] for r in rows] == ["adder experiment"] * 2 and all("completion" in r for r in rows)

    w.import_session(str(session_file))
    imported = w.store.list()[0]
    assert imported.id != sid and imported.name == "adder experiment"
    assert len(w.store.candidates(imported.id)) == 2 and len(w.model.finished()) == 2
    count = len(w.store.list())
    w.history.delete(imported.id, confirm=False)
    assert len(w.store.list()) == count - 1

    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    w.import_session(str(tmp_path / "bad.json"))
    assert "could not be imported" in w.message.text()
    (tmp_path / "list.json").write_text("[]")  # a shape whose AttributeError once escaped the slot
    w.import_session(str(tmp_path / "list.json"))
    assert w.message.text().endswith("list.json could not be imported: not a CodeSynth session export")


DRIVER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from desktop_app import main_window
    from desktop_app.app import configure

    db, model, settings = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = QApplication(["crash-driver"])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    configure(app)
    main_window.sessions_path = lambda: db
    w = main_window.MainWindow(model_spec=model)
    w.show()
    w.prompt_editor.setPlainText("def add(a, b):\\n")
    w.tests_editor.setPlainText("def check(candidate):\\n    assert candidate(1, 2) == 3\\n")
    w.controls.samples.setValue(64)
    w.controls.max_new_tokens.setValue(1000)
    w.controls.stops.setPlainText("")

    def go():
        if w.controller.engine.info is None or w.controller.sandbox_layers is None:
            QTimer.singleShot(100, go)
        else:
            w.generate()

    go()
    app.exec()
""")


def _saved_candidates(db: Path) -> int:
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT COUNT(*) FROM candidates").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_9_mid_run_then_the_next_start_offers_the_run(qtbot, tiny_model_dir, tmp_path, isolated_sessions):
    db = isolated_sessions
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(db), str(tiny_model_dir), str(tmp_path / "settings")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while _saved_candidates(db) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the app, its engine process and its sandbox workers
        proc.wait()
    saved = _saved_candidates(db)
    assert saved >= 3, "the app saved no candidate before the deadline"
    [interrupted] = SessionStore(db).interrupted()
    assert interrupted.prompt == "def add(a, b):\n"

    window = open_window(qtbot, str(tiny_model_dir))
    try:
        assert "was interrupted" in window.message.text()
        assert window.store.get(interrupted.id).state == "interrupted"  # offered once, not at every start
        window.message.action_button.click()
        assert window.prompt_editor.toPlainText() == "def add(a, b):\n"
        assert len(window.model.finished()) >= saved
        assert len(window.model.finished()) < 64, "the run was meant to be killed mid-generation"
    finally:
        window.close()


def test_typed_text_is_saved_within_a_second(qtbot, tiny_window):
    from PySide6.QtCore import QSettings

    w = tiny_window
    w.tabs.setCurrentWidget(w.splitter)
    w.prompt_editor.setPlainText("def draft_that_must_survive():\n")
    qtbot.waitUntil(lambda: QSettings().value("editors/prompt") == "def draft_that_must_survive():\n", timeout=3000)


def test_a_reopened_run_finishes_its_missing_samples_as_the_whole_run_would_have(qtbot, tiny_window):
    w = tiny_window
    _generate(qtbot, w)
    qtbot.waitUntil(lambda: w.recorder.session_id is None)
    done = w.store.list()[0]
    whole = {c.index: c.text for c in w.store.candidates(done.id)}
    # The same run as a kill left it: two of its four samples saved, the state interrupted.
    sid = w.store.create("add", "workbench", PROMPT, TESTS_SRC, done.params, state="interrupted")
    for candidate in w.store.candidates(done.id)[:2]:
        w.store.add_candidate(sid, candidate)
    w.open_session(sid)
    assert "2 of this run's 4 samples were never finished" in w.message.text()
    finished = []
    w.controller.run_finished.connect(lambda: finished.append(True))
    w.message.action_button.click()
    qtbot.waitUntil(lambda: bool(finished) and w.controller.engine.state == "idle", timeout=120_000)
    assert {i: w.model.entry(i).candidate.text for i in range(4)} == whole
    assert all(w.model.entry(i).test == DONE for i in range(4))
    saved = w.store.candidates(sid)
    assert {c.index: c.text for c in saved} == whole and set(w.store.results(sid)) == {0, 1, 2, 3}
    qtbot.waitUntil(lambda: w.store.get(sid).state == "done")
    assert w.controller.finish_missing(w.controls.params) is False  # nothing left: refused with the reason


def test_a_newer_apps_sessions_file_is_left_alone_and_the_window_says_so(qtbot, tiny_model_dir, isolated_sessions):
    db = sqlite3.connect(isolated_sessions)
    db.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = isolated_sessions.read_bytes()
    window = open_window(qtbot, str(tiny_model_dir))
    try:
        text = window.message.text()
        assert text.startswith("Sessions are not saved this time: the session database") and "newer version" in text
        sid = window.store.create("kept in memory for this run")
        assert [row.id for row in window.store.list()] == [sid]
    finally:
        window.close()
    assert isolated_sessions.read_bytes() == before
    assert not list(isolated_sessions.parent.glob("sessions.sqlite.corrupt-*"))
