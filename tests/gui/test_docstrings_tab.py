"""The Docstrings tab in the real window, on the tiny model, the real engine process and sandbox:
ranked docstrings with back-translation scores, inserted into the code as one undoable edit, bad
input refused inline, and the tab's document restored into a fresh tab."""

import ast
import math
import re

import pytest
from PySide6.QtCore import Qt

from core.displayable import displayable
from core.host.snapshots import DocstringsSnapshot
from desktop_app.docstrings_tab import DocstringsTab
from tests.gui.conftest import run_tab_and_wait

CODE = '''import math


def hypot(a, b):
    """Old docstring.

    >>> hypot(3, 4)
    5.0
    """
    return math.sqrt(a * a + b * b)


def shout(text):
    return text.upper() + "!"
'''
N = 3


@pytest.fixture
def tab(tiny_window):
    window = tiny_window
    window.message.clear()
    window.controls.samples.setValue(N)
    window.controls.max_new_tokens.setValue(12)
    tab = window.job_tabs["docstrings"]
    tab.code.setPlainText(CODE)
    tab.tests.setPlainText("")
    tab.samples.setValue(2)
    tab.refresh_functions()
    return tab


def cells(tab, column: int) -> list[str]:
    return [tab.table.item(r, column).text() for r in range(tab.table.rowCount())]


def function_node(code: str, name: str):
    return next(n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef) and n.name == name)


def test_docstrings_are_ranked_scored_and_saved(qtbot, tiny_window, tab):
    assert [tab.function_box.itemText(i) for i in range(tab.function_box.count())] == ["hypot", "shout"]
    tab.function_box.setCurrentText("hypot")
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"
    assert tab.table.rowCount() == N
    assert cells(tab, 0) == ["1", "2", "3"]
    means = [-math.inf if text == "—" else float(text) for text in cells(tab, 1)]
    assert means == sorted(means, reverse=True)
    # Two programs per docstring: 0, 50 or 100 % of them behave like the original on hypot(3, 4).
    assert all(re.fullmatch(r"(0|50|100)%|failure \(copies code\)", text) for text in cells(tab, 2)), cells(tab, 2)
    assert tab.snapshot.inputs == ("3, 4",) and "scored" in tab.status.text()
    # Sorted by back-translation (best first), each row still shows and inserts its own docstring;
    # the percentage is explained on the column's header.
    assert "share of them that return what your function returns" in tab.table.horizontalHeaderItem(2).toolTip()
    tab.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    scores = [-1.0 if not text.endswith("%") else float(text[:-1]) for text in cells(tab, 2)]
    assert scores == sorted(scores, reverse=True)
    for row in range(N):
        tab.table.selectRow(row)
        rank = int(tab.table.item(row, 0).text())
        assert tab.docstring_view.toPlainText() == displayable(tab.snapshot.docstrings[rank - 1].text)
    tab.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert cells(tab, 0) == ["1", "2", "3"]
    saved = tiny_window.store.document(tiny_window.jobs.session_id, "docstrings")
    assert (
        DocstringsSnapshot.from_json(saved["snapshot"]) == tab.snapshot
        and saved["code"] == CODE
        and saved["function"] == "hypot"
    )


def test_insert_the_chosen_docstring_then_undo(qtbot, tiny_window, tab):
    tab.function_box.setCurrentText("hypot")
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"
    tab.table.selectRow(N - 1)
    chosen = tab.snapshot.docstrings[N - 1].text
    assert tab.docstring_view.toPlainText() == displayable(chosen)  # shown with escapes, inserted exactly
    tab.insert_button.click()
    inserted = tab.code.toPlainText()
    assert ast.get_docstring(function_node(inserted, "hypot")) == chosen
    assert "    return math.sqrt(a * a + b * b)\n" in inserted and "def shout(text):" in inserted
    tab.code.undo()
    assert tab.code.toPlainText() == CODE


def test_without_example_inputs_the_score_is_na(qtbot, tiny_window, tab):
    tab.function_box.setCurrentText("shout")
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"
    assert cells(tab, 2) == ["n/a (no example inputs)"] * N
    tab.table.selectRow(0)
    tab.insert_button.click()
    assert ast.get_docstring(function_node(tab.code.toPlainText(), "shout")) == tab.snapshot.docstrings[0].text


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("   \n", "the code is empty"),
        ("def f(x):\n    return (x\n", "not valid Python (line 2"),
        ("x = 1\n", "no top-level function"),
    ],
)
def test_bad_code_is_refused_inline_and_kept(qtbot, tiny_window, tab, code, message):
    tab.code.setPlainText(code)
    assert message in run_tab_and_wait(qtbot, tiny_window, tab)
    assert tiny_window.jobs.owner is None and tab.code.toPlainText() == code


def test_a_syntax_error_is_shown_on_its_line_while_typing(qtbot, tab):
    tab.code.setPlainText(CODE + "\ndef broken(:\n")
    qtbot.waitUntil(lambda: tab.code_error.isVisible())
    assert "line 16" in tab.code_error.text()
    assert tab.function_box.count() == 2  # the picker keeps what the last good code had
    tab.code.setPlainText(CODE)
    qtbot.waitUntil(lambda: not tab.code_error.isVisible())


def test_bad_parameters_or_tests_are_refused(qtbot, tiny_window, tab):
    tiny_window.controls.stops.setPlainText("\\x4")
    try:
        assert "Invalid parameter" in run_tab_and_wait(qtbot, tiny_window, tab)
    finally:
        tiny_window.controls.stops.setPlainText("\\ndef")
    tab.tests.setPlainText("assert hypot(3, 4 == 5\n")
    assert "Syntax error in the tests, line 1" in run_tab_and_wait(qtbot, tiny_window, tab)
    assert tiny_window.jobs.owner is None and tab.code.toPlainText() == CODE


def test_insert_refuses_code_that_no_longer_parses(qtbot, tiny_window, tab):
    tab.function_box.setCurrentText("hypot")
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"
    tab.table.selectRow(0)
    tab.code.setPlainText(CODE + "def (\n")
    tab.insert_button.click()
    assert "line 15" in tiny_window.message.text()
    assert tab.code.toPlainText() == CODE + "def (\n"


def test_document_restores_into_a_fresh_tab(qtbot, tiny_window, tab):
    tab.function_box.setCurrentText("hypot")
    tab.tests.setPlainText("assert hypot(5, 12) == 13.0\n")
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"
    assert tab.snapshot.inputs == ("3, 4", "5, 12")
    fresh = DocstringsTab(tiny_window.jobs, tiny_window.controls_params)
    qtbot.addWidget(fresh)
    fresh.restore(tab.document())
    assert fresh.document() == tab.document()
    assert fresh.function_box.currentText() == "hypot"
    for column in range(tab.table.columnCount()):
        assert cells(fresh, column) == cells(tab, column)


def test_open_and_save_code(qtbot, tiny_window, tab, tmp_path):
    source = tmp_path / "module.py"
    source.write_text("def one():\n    return 1\n", encoding="utf-8")
    tab.open_file(str(source))
    assert tab.code.toPlainText() == "def one():\n    return 1\n" and tab.function_box.currentText() == "one"
    tab.code.undo()
    assert tab.code.toPlainText() == CODE  # opening a file never loses what was typed
    target = tmp_path / "saved.py"
    tab.save_code(str(target))
    assert target.read_text(encoding="utf-8") == CODE
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00")
    tab.open_file(str(binary))
    assert "Could not open" in tiny_window.message.text() and tab.code.toPlainText() == CODE
