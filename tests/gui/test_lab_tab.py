"""The Sampling lab on the real window (tiny model, real engine process, real sandbox): a small
sweep updates its progress, numbers and four figures live, exports them, is saved as a session
and comes back in a fresh tab; bad input starts nothing; the Demo preset starts a sweep at once."""

import csv
import json

import pytest

from core.evaluation.sweep import DEMO
from core.modes.example_library import load_library
from desktop_app.lab_tab import IDLE_TEXT, LabTab
from tests.gui.conftest import run_tab_and_wait

PROMPT = 'def double(x):\n    """Return twice x."""\n'
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tab(tiny_window):
    tab = tiny_window.job_tabs["sweep"]
    tab.set_problem(PROMPT, TESTS)
    tab.temperatures.setText("0.3, 0.9")
    tab.samples.setValue(3)
    tab.max_new_tokens.setValue(0)  # the Parameters dock's value
    tiny_window.controls.max_new_tokens.setValue(8)
    yield tab
    tiny_window.message.clear()


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_a_sweep_updates_live_exports_and_comes_back(qtbot, tiny_window, tab, tmp_path):
    w = tiny_window
    seen = []
    w.controller.engine.job_update.connect(lambda _snapshot: seen.append(tab.progress.text()))
    assert run_tab_and_wait(qtbot, w, tab) == "done"

    assert tab.progress.text() == "6/6 sampled, 6 tested, done"
    assert len(seen) >= 2 and seen[0] != seen[-1]  # shown as the sweep went, not only at the end
    table = cells(tab.table)
    assert [row[0] for row in table] == ["0.3", "0.9"]
    assert all(row[1] == "3" and row[2].endswith("/ 3") and row[4].endswith("%") for row in table)
    assert tab.table.horizontalHeaderItem(4).text() == "pass@3"
    images = tab.plots.images
    # Decoded one per turn of the event loop (desktop_app.lab_plots): soon after the last snapshot.
    assert len(images) == 4
    qtbot.waitUntil(lambda: all(not image.pixmap().isNull() for image in images.values()), timeout=2000)
    # Scaled to their cells from the full-size PNGs.
    assert all(image.pixmap().width() <= image.width() * image.devicePixelRatioF() + 1 for image in images.values())

    paths = tab.save_plots(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{name}.png" for name in images)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in paths)
    saved_csv = tab.save_csv(tmp_path / "sweep.csv")
    rows = list(csv.DictReader(saved_csv.open(encoding="utf-8")))
    assert len(rows) == 6 and {r["temperature"] for r in rows} == {"0.3", "0.9"}
    assert all(r["passed"] in ("True", "False") for r in rows)
    assert "Saved 6 samples" in w.message.text()

    # The session store holds the finished sweep; a fresh tab shows it again from that document.
    stored = w.store.document(w.store.list()[0].id, "sweep")
    assert stored == json.loads(json.dumps(tab.document()))
    fresh = LabTab(w.jobs, w.controls_params)
    qtbot.addWidget(fresh)
    fresh.resize(1200, 800)
    fresh.show()
    # The session holds the samples and verdicts only: no figure, table or CSV (they are derived).
    assert set(stored["sweep"]) == {"temperatures", "n", "samples"} and len(stored["sweep"]["samples"]) == 6
    fresh.restore(stored)
    assert fresh.document() == tab.document()
    assert fresh.progress.text() == tab.progress.text() and cells(fresh.table) == table
    assert fresh.prompt_editor.toPlainText() == PROMPT and fresh.temperatures.text() == "0.3, 0.9"
    # The figures are drawn again from the samples in the helper process: the engine's, to the byte.
    qtbot.waitUntil(lambda: len(fresh.plots.pngs()) == 4, timeout=60_000)
    qtbot.waitUntil(lambda: all(not image.pixmap().isNull() for image in fresh.plots.images.values()), timeout=2000)
    assert fresh.plots.pngs() == tab.plots.pngs()
    assert fresh.save_csv(tmp_path / "again.csv").read_text(encoding="utf-8") == saved_csv.read_text(encoding="utf-8")
    fresh.shutdown()


@pytest.mark.parametrize(
    "prompt, tests, temperatures, message",
    [
        ("", TESTS, "0.2", "The prompt is empty"),
        ("print('hello')\n", TESTS, "0.2", "defines no function"),
        (PROMPT, "", "0.2", "needs tests"),
        (PROMPT, "def check(candidate):\n    assert candidate(2) ==\n", "0.2", "Syntax error in the tests, line 2"),
        (PROMPT, TESTS, "0.2, warm", "“warm” is not a number"),
        (PROMPT, TESTS, "0.2, 3", "between 0 and 2"),
        (PROMPT, TESTS, " , ", "at least one temperature"),
    ],
)
def test_bad_input_says_why_and_starts_nothing(qtbot, tiny_window, tab, prompt, tests, temperatures, message):
    tab.set_problem(prompt, tests)
    tab.temperatures.setText(temperatures)
    sessions = len(tiny_window.store.list())
    assert message in run_tab_and_wait(qtbot, tiny_window, tab)
    assert tiny_window.jobs.owner is None and len(tiny_window.store.list()) == sessions
    # What was typed stays.
    assert (tab.prompt_editor.toPlainText(), tab.tests_editor.text(), tab.temperatures.text()) == (
        prompt,
        tests,
        temperatures,
    )


def test_exports_before_any_sweep_say_so(qtbot, tiny_window, tmp_path):
    fresh = LabTab(tiny_window.jobs, tiny_window.controls_params)
    qtbot.addWidget(fresh)
    assert fresh.progress.text() == IDLE_TEXT
    assert fresh.save_plots(tmp_path) == [] and "no plots to save yet" in tiny_window.message.text()
    assert fresh.save_csv(tmp_path / "x.csv") is None and "no samples" in tiny_window.message.text()
    assert not list(tmp_path.iterdir())
    tiny_window.message.clear()


def test_demo_preset_loads_a_lab_example_and_starts_at_once(qtbot, tiny_window, tab):
    w = tiny_window
    w.tabs.setCurrentWidget(tab)
    ended = []
    w.controller.engine.job_done.connect(lambda: ended.append(True))
    tab.demo_button.click()
    assert w.jobs.owner is tab
    example = next(e for e in load_library() if e.kind == "lab")
    assert tab.prompt_editor.toPlainText() == example.prompt and tab.examples.currentText() == example.title
    assert tab.temperatures.text() == ", ".join(f"{t:g}" for t in DEMO["temperatures"])
    assert (tab.samples.value(), tab.max_new_tokens.value()) == (DEMO["n"], DEMO["max_new_tokens"])
    total = DEMO["n"] * len(DEMO["temperatures"])
    assert tab.progress.text() == f"0/{total} sampled, 0 tested"
    qtbot.waitUntil(lambda: tab.progress.text() != f"0/{total} sampled, 0 tested", timeout=60_000)
    w.stop_action.trigger()  # Esc
    qtbot.waitUntil(lambda: bool(ended) and w.jobs.owner is None, timeout=60_000)
    sampled = int(tab.progress.text().split("/")[0])
    assert 0 < sampled < total and tab.progress.text().endswith(": stopped")


def test_use_workbench_problem_asks_the_window(qtbot, tiny_window, tab):
    with qtbot.waitSignal(tab.problem_requested, timeout=1000):
        tab.workbench_button.click()
    tab.examples.setCurrentIndex(1)
    tab.set_problem("def f(x):\n", "assert f(1) == 1\n")
    assert (tab.prompt_editor.toPlainText(), tab.tests_editor.text()) == ("def f(x):\n", "assert f(1) == 1\n")
    assert tab.examples.currentIndex() == 0  # no longer the example
