"""The From-examples tab on the real window (tiny model, real engine process, real sandbox): a
table typed cell by cell becomes a function and tests; bad cells are shaded with their reason and
Generate refuses; a run lists every candidate best first with what it got right, in words."""

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QLineEdit

from core.displayable import displayable
from core.modes.example_library import load_library
from core.modes.examples import ONE_RIGHT, best_first, build_spec
from desktop_app import theme
from desktop_app.examples_tab import ExamplesTab
from tests.gui.conftest import run_tab_and_wait

DESCRIPTION = "Convert a temperature in Celsius to Fahrenheit"
NAME = "convert_temperature_celsius_fahrenheit"
CELSIUS = [("0", "32.0"), ("100", "212.0"), ("-40", "-40.0")]


@pytest.fixture
def tab(tiny_window, qtbot):
    """The window's own tab, emptied, shown."""
    tab = tiny_window.job_tabs["examples"]
    tiny_window.tabs.setCurrentWidget(tab)
    tab.restore({"header": ["x", "expected"], "cells": [["", ""]]})
    yield tab
    tiny_window.message.clear()


def type_cell(qtbot, tab, row: int, column: int, text: str) -> None:
    """Goes to the cell, presses F2, types over it and presses Enter, as a user does."""
    table = tab.table.table
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = next(e for e in table.viewport().findChildren(QLineEdit) if e.isVisible())
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next turn of the event loop
    qtbot.waitUntil(lambda: tab.table.cells()[row][column] == text, timeout=2000)


def rename_column(qtbot, tab, column: int, name: str) -> None:
    header = tab.table.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseDClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    assert tab.table.rename_edit.hasFocus() or tab.table.rename_edit.selectedText() == tab.table.header()[column]
    tab.table.rename_edit.selectAll()
    qtbot.keyClicks(tab.table.rename_edit, name)
    qtbot.keyClick(tab.table.rename_edit, Qt.Key.Key_Return)


def fill_celsius(qtbot, tab) -> None:
    qtbot.keyClicks(tab.description, DESCRIPTION)
    rename_column(qtbot, tab, 0, "celsius")
    for _ in CELSIUS[1:]:
        qtbot.mouseClick(tab.table.add_row_button, Qt.MouseButton.LeftButton)
    for row, (celsius, fahrenheit) in enumerate(CELSIUS):
        type_cell(qtbot, tab, row, 0, celsius)
        type_cell(qtbot, tab, row, 1, fahrenheit)


def test_typed_table_bad_cell_run_and_restore(tiny_window, tab, qtbot, tmp_path):
    fill_celsius(qtbot, tab)
    assert tab.table.header() == ["celsius", "expected"]
    qtbot.waitUntil(lambda: f"def {NAME}(celsius: int) -> float:" in tab.prompt_editor.toPlainText(), timeout=3000)
    prompt = tab.prompt_editor.toPlainText()
    assert f'"""{DESCRIPTION}\n' in prompt and f">>> {NAME}(100)\n    212.0" in prompt
    tests = tab.tests_editor.text()
    assert "def check(candidate):" in tests and tests.count("    assert ") == 3
    assert "assert close(returned(candidate(-40)), -40.0, 0.05)" in tests

    # A broken list: shaded, with the reason as tooltip and under the table; Generate refuses.
    type_cell(qtbot, tab, 1, 0, "[1, 2")
    qtbot.waitUntil(lambda: bool(tab.table.bad_cells()), timeout=3000)
    assert list(tab.table.bad_cells()) == [(1, 0)]
    assert tab.table.bad_cells()[1, 0].startswith("looks like a list but is not valid")
    # In plain words, not Python's "SyntaxError: '[' was never closed".
    assert tab.table.bad_cells()[1, 0].endswith(": a '[' is opened but never closed")
    assert "Error" not in tab.table.problem_text()
    item = tab.table.table.item(1, 0)
    assert item.background().color() == QColor(theme.FAIL_BACKGROUND)
    assert tab.table.problem_text().startswith("Row 2, column 'celsius': looks like a list")
    assert tab.prompt_editor.toPlainText() == prompt  # the last good derivation stays
    refusal = run_tab_and_wait(qtbot, tiny_window, tab)
    assert refusal.startswith("Fix the examples table first: Row 2, column 'celsius': looks like a list")
    assert tiny_window.jobs.owner is None and tab.table.table.item(1, 0).text() == "[1, 2"

    type_cell(qtbot, tab, 1, 0, "100")
    qtbot.waitUntil(lambda: not tab.table.bad_cells() and not tab.table.problem_text(), timeout=3000)
    assert item.background().color() != QColor(theme.FAIL_BACKGROUND)
    tiny_window.controls.samples.setValue(3)
    tiny_window.controls.max_new_tokens.setValue(24)
    assert run_tab_and_wait(qtbot, tiny_window, tab) == "done"

    found = tab.snapshot.candidates
    assert tab.snapshot.state == "done" and len(found) == 3 and tab.candidates.count() == 3
    texts = [tab.candidates.item(i).text() for i in range(3)]
    # A cut or degenerate candidate says so beside its verdict.
    assert all(re.fullmatch(rf"{i + 1}\. \d of 3 examples right(; for .+?)?(  ⚠ .+)?", t) for i, t in enumerate(texts))
    assert all(("⚠" in t) == bool(c.warnings) for t, c in zip(texts, found))
    assert [len(c.verdicts) for c in found] == [3, 3, 3]
    # Listed best first: examples right, then how many candidates behave alike, then mean log-prob.
    assert best_first(
        [c.verdicts for c in found],
        [c.mean_logprob for c in found],
        [c.degenerate for c in found],
        [c.cluster or 0 for c in found],
    ) == [0, 1, 2]
    rights = [c.verdicts.count(None) for c in found]
    assert rights == sorted(rights, reverse=True)

    # The best is selected; Use copies the whole function and offers it; Save writes it.
    assert tab.candidates.currentRow() == 0
    whole = prompt + found[0].completion
    assert tab.function_view.toPlainText() == displayable(whole)
    tab.candidates.setCurrentRow(2)
    whole = prompt + found[2].completion
    assert tab.function_view.toPlainText() == displayable(whole)
    with qtbot.waitSignal(tab.use_requested) as used:
        qtbot.mouseClick(tab.use_button, Qt.MouseButton.LeftButton)
    assert used.args == [whole, tests, NAME] and QGuiApplication.clipboard().text() == whole
    assert tab.save_function(str(tmp_path / "f.py")) and (tmp_path / "f.py").read_text() == whole

    # The saved session shows the same table, texts and results in a fresh tab.
    document = tab.document()
    fresh = ExamplesTab(tiny_window.jobs, tiny_window.controls_params)
    try:
        fresh.restore(document)
        assert fresh.table.header() == ["celsius", "expected"]
        assert fresh.table.rows() == [list(r) for r in CELSIUS]
        assert fresh.description.text() == DESCRIPTION
        assert fresh.prompt_editor.toPlainText() == prompt and fresh.tests_editor.text() == tests
        assert [fresh.candidates.item(i).text() for i in range(fresh.candidates.count())] == texts
        assert fresh.snapshot == tab.snapshot and fresh.document() == document
    finally:
        fresh.deleteLater()


def test_hand_edits_are_kept_until_rederive(tab, qtbot):
    qtbot.keyClicks(tab.description, "Double a number")
    type_cell(qtbot, tab, 0, 0, "2")
    type_cell(qtbot, tab, 0, 1, "4")
    qtbot.waitUntil(
        lambda: tab.prompt_editor.toPlainText().startswith("def double_number(x: int) -> int:"), timeout=3000
    )
    assert not tab.edited_note.isVisibleTo(tab)
    tab.prompt_editor.moveCursor(tab.prompt_editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.prompt_editor, "    # mine")
    assert tab.hand_edited and tab.edited_note.isVisibleTo(tab)
    type_cell(qtbot, tab, 0, 1, "5")
    qtbot.wait(600)  # past the rebuild's pause
    assert tab.prompt_editor.toPlainText().endswith("    # mine") and "    5\n" not in tab.prompt_editor.toPlainText()
    qtbot.mouseClick(tab.rederive_button, Qt.MouseButton.LeftButton)
    assert not tab.hand_edited and not tab.edited_note.isVisibleTo(tab)
    expected = build_spec(["x", "expected"], [["2", "5"]], "Double a number")
    assert tab.prompt_editor.toPlainText() == expected.prompt and tab.tests_editor.text() == expected.tests
    assert tab.document()["hand_edited"] is False


def test_library_entry_fills_the_table(tab, qtbot):
    entries = [e for e in load_library() if e.kind == "examples"]
    box = tab.library_box
    assert [box.itemText(i) for i in range(1, box.count())] == [e.title for e in entries]
    entry = entries[-1]
    box.setCurrentIndex(box.count() - 1)
    box.activated.emit(box.count() - 1)
    header, rows = entry.table
    assert tab.table.header() == header and tab.table.rows() == rows
    assert tab.description.text() == entry.description
    assert tab.prompt_editor.toPlainText() == entry.prompt and tab.tests_editor.text() == entry.tests


def test_bad_input_gets_inline_messages_and_keeps_what_was_typed(tiny_window, tab, qtbot):
    # Nothing typed: no red yet, and Generate says what to write.
    assert not tab.table.problem_text()
    assert run_tab_and_wait(qtbot, tiny_window, tab).startswith("Write at least one example in the table")

    # An input with no expected value: that cell is marked.
    type_cell(qtbot, tab, 0, 0, "7")
    tab.derive()
    assert list(tab.table.bad_cells()) == [(0, 1)] and "the cell is empty" in tab.table.bad_cells()[0, 1]

    # No description: the function still gets a name and a docstring.
    type_cell(qtbot, tab, 0, 1, "'seven'")
    tab.derive()
    assert tab.prompt_editor.toPlainText().startswith("def solve(x: int) -> str:")

    # A column name that is no parameter name, and a bad function name: told under the table.
    rename_column(qtbot, tab, 0, "my value")  # a spreadsheet's header: becomes my_value
    tab.derive()
    assert not tab.table.problem_text() and tab.prompt_editor.toPlainText().startswith("def solve(my_value: int)")
    rename_column(qtbot, tab, 0, "%")
    tab.derive()
    assert "Column name '%' is not usable as a parameter name" in tab.table.problem_text()
    assert run_tab_and_wait(qtbot, tiny_window, tab).startswith("Fix the examples table first: Column name")
    rename_column(qtbot, tab, 0, "n")
    qtbot.keyClicks(tab.name_edit, "2fast")
    tab.derive()
    assert "Function name '2fast' is not usable" in tab.table.problem_text()
    tab.name_edit.clear()

    # The last input cannot be removed; a second one can be added, and removed again.
    qtbot.mouseClick(tab.table.remove_input_button, Qt.MouseButton.LeftButton)
    assert tab.table.header() == ["n", "expected"] and "at least one input" in tiny_window.message.text()
    qtbot.mouseClick(tab.table.add_input_button, Qt.MouseButton.LeftButton)
    assert tab.table.header() == ["n", "x", "expected"]
    tab.table.table.setCurrentCell(0, 1)
    qtbot.mouseClick(tab.table.remove_input_button, Qt.MouseButton.LeftButton)
    assert tab.table.header() == ["n", "expected"] and tab.table.rows() == [["7", "'seven'"]]

    # Broken tests typed by hand: refused with the syntax error, the text kept.
    tab.derive()
    tab.tests_editor.editor.appendPlainText("    assert (")
    refusal = run_tab_and_wait(qtbot, tiny_window, tab)
    assert refusal.startswith("Syntax error in the tests") and tab.tests_editor.text().endswith("    assert (")


def test_a_second_round_is_told_and_its_corrections_are_marked(tab, monkeypatch):
    """The job's snapshots while the model corrects the best of a first round that got nothing
    right (core.modes.revision): the status says why more candidates come, and each correction is marked."""
    from core.host.snapshots import ExampleCandidate, ExamplesSnapshot

    wrong = ("0 of 1 examples right; for 1 it returned 0, expected 2",)

    def candidate(index, revises=None, verdicts=("for 1 it returned 0, expected 2",)):
        return ExampleCandidate(
            index,
            "    return 0\n",
            "stop",
            -0.5,
            None,
            (),
            verdicts,
            wrong[0] if verdicts[0] else "1 of 1 examples right",
            None,
            revises,
        )

    first = tuple(candidate(i) for i in range(3))
    monkeypatch.setattr(tab.jobs, "owner", tab)  # as while the job runs
    tab.show_snapshot(ExamplesSnapshot("def f(x):\n", "f", 1, 6, "revising", (*first, candidate(3, revises=1))))
    assert tab.status.text().startswith("No candidate of the earlier rounds got every example right, so the model")
    assert "writes more: 4 of 6 written, 4 tested, 0 right…" in tab.status.text()
    items = [tab.candidates.item(i) for i in range(tab.candidates.count())]
    assert [item.text().endswith("↻ corrected") for item in items] == [False, False, False, True]
    assert "the model was told which examples the best so far got wrong" in items[3].toolTip()
    # Right candidates that only repeat the examples: the round says so instead.
    lookups = tuple(candidate(i, verdicts=(None,)) for i in range(3))
    tab.show_snapshot(ExamplesSnapshot("def f(x):\n", "f", 1, 6, "generalising", (*lookups, candidate(3, revises=0))))
    assert tab.status.text().startswith("The candidates that get every example right only repeat them, so the model")
    assert tab.status.text().endswith("writes more: 4 of 6 written, 4 tested…")
    monkeypatch.undo()
    right = candidate(4, revises=1, verdicts=(None,))
    tab.show_snapshot(ExamplesSnapshot("def f(x):\n", "f", 1, 6, "done", (right, *first)))
    assert tab.status.text() == "1 of 4 candidates get all 1 examples right."
    # A lookup table of the examples is right on each of them, but it is not a solution: not counted.
    table = ExampleCandidate(
        5, "    return {1: 2}[x]\n", "stop", -0.1, "it looks up the examples", (), (None,), "", None
    )
    tab.show_snapshot(ExamplesSnapshot("def f(x):\n", "f", 1, 6, "done", (right, table, *first)))
    assert tab.status.text() == "1 of 5 candidates get all 1 examples right."


def test_candidates_that_only_repeat_the_rows_are_not_called_agreed(tab):
    """When every candidate right on the examples gives one answer or an error beyond them, the
    tab says they may only repeat the examples, not that they agree (core.ranking.examine.only_rows)."""
    from core.host.snapshots import ExampleCandidate, ExamplesSnapshot
    from core.modes.examples import ONLY_ROWS

    lookup = ExampleCandidate(
        0, "    if x == 1:\n        return 2\n    return 0\n", "stop", -0.1, None, (), (None,), "", 1
    )
    done = ExamplesSnapshot("def f(x):\n", "f", 1, 1, "done", (lookup,), inputs=12, only_rows=True)
    tab.show_snapshot(done)
    assert (
        tab.question_box.isVisibleTo(tab)
        and tab.question_box.label.text() == ONLY_ROWS
        and not tab.question_box.buttons
    )
    assert ExamplesSnapshot.from_json(done.to_json()) == done  # saved with the session
    tab.show_snapshot(ExamplesSnapshot("def f(x):\n", "f", 1, 1, "done", (lookup,), inputs=12))
    # One candidate right, and it generalises: nothing to ask, and none to compare it with.
    assert tab.question_box.isVisibleTo(tab) and tab.question_box.label.text() == ONE_RIGHT


def test_a_large_table_is_shown_to_the_model_as_a_sample_and_the_tab_says_so(tab, qtbot):
    """300 rows pasted from a spreadsheet: the function to write shows 16 of them, the tests check
    all 300, and a line under the editors says so; back to a small table, the line goes."""
    tab.description.setText("Triple the number")
    tab.table.set_table(["n", "expected"], [[str(n), str(3 * n)] for n in range(300)])
    qtbot.waitUntil(lambda: tab.tests_editor.text().count("assert ") == 300, timeout=3000)
    assert tab.prompt_editor.toPlainText().count(">>> triple_number(") == 16
    assert tab.sample_note.isVisibleTo(tab) and tab.sample_note.text() == (
        "The prompt shows 16 of the 300 examples, chosen to cover their answers; the tests check all 300."
    )
    tab.table.set_table(["n", "expected"], [["1", "3"], ["2", "6"]])
    qtbot.waitUntil(lambda: tab.tests_editor.text().count("assert ") == 2, timeout=3000)
    assert not tab.sample_note.isVisibleTo(tab)
