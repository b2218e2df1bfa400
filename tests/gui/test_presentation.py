"""Presentation mode in the real window on the tiny model: F5 makes the type larger and leaves
only the candidates (Workbench) and the plots (Sampling lab); F5 again puts back exactly the
layout there was, splitter sizes included; Esc stays Stop."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QSplitter

from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


def _layout(w):
    """What presentation mode changes, as plain values to compare."""
    return {
        "docks": {d.objectName(): d.isVisible() for d in (w.controls_dock, w.history, w.console)},
        # The Workbench's and the lab's by name; every other (the details' too) in any order, as
        # restoring the docks reorders the window's children.
        "named_splitters": {name: split.sizes() for name, (split, _defaults) in w._splitters.items()}
        | {"lab": w.lab_tab.findChild(QSplitter).sizes()},
        "splitters": sorted(s.sizes() for s in w.findChildren(QSplitter)),
        "fonts": [
            w.font().pointSizeF(),
            w.prompt_editor.font().pointSizeF(),
            w.details.heat.font().pointSizeF(),
            w.view.font().pointSizeF(),
            w.details.distribution.font().pointSizeF(),
        ],
        "window_font_set": w.testAttribute(Qt.WidgetAttribute.WA_SetFont),
        "columns": [w.view.columnWidth(c) for c in range(w.view.model().columnCount())],
        "row_height": w.view.verticalHeader().defaultSectionSize(),
        "panes": [
            w.prompt_editor.isVisible(),
            w.tests_editor.isVisible(),
            w.lab_tab.prompt_editor.isVisibleTo(w.lab_tab),
        ],
    }


def test_presentation_mode_shows_only_candidates_larger_and_restores_everything(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(3)
    w.controls.max_new_tokens.setValue(8)
    generate_and_wait(qtbot, w)
    w.view.selectRow(0)
    w.tabs.setCurrentWidget(w.lab_tab)  # laid out once, as a user who has seen it
    QApplication.processEvents()
    w.tabs.setCurrentWidget(w.splitter)
    # A layout the defaults would not give back by chance.
    w._splitters["main"][0].setSizes([333, 900])
    w._splitters["results"][0].setSizes([210, 520])
    QApplication.processEvents()
    before = _layout(w)
    assert before["docks"]["controls_dock"] and before["panes"] == [True, True, True]
    assert w.presentation_action.shortcut() == QKeySequence("F5")
    assert w.stop_action.shortcut() == QKeySequence("Esc")

    w.presentation_action.trigger()
    QApplication.processEvents()
    on = _layout(w)
    assert w.presentation_action.isChecked() and w.presentation.on
    app_size = QApplication.font().pointSizeF()
    assert on["fonts"][0] == app_size * 1.5
    for old, new in zip(before["fonts"], on["fonts"]):  # editors, token view, table, distribution
        assert new == old * 1.5
    assert on["docks"] == {"controls_dock": False, "history_dock": False, "console_dock": False}
    assert on["panes"] == [False, False, False]  # Workbench editors and the lab's form
    assert w.view.isVisible() and w.details.heat.isVisible() and w.details.distribution.isVisible()
    assert w.view.model().rowCount() == 3
    assert on["columns"][0] > before["columns"][0] and on["row_height"] > before["row_height"]
    # The lab's plots take the room the form left.
    w.tabs.setCurrentWidget(w.lab_tab)
    QApplication.processEvents()
    assert w.lab_tab.plots.isVisible() and w.lab_tab.plots.width() > w.width() * 0.8
    w.tabs.setCurrentWidget(w.splitter)

    w.presentation_action.trigger()
    QApplication.processEvents()
    assert not w.presentation_action.isChecked() and not w.presentation.on
    w.tabs.setCurrentWidget(w.lab_tab)  # a hidden tab is laid out again when it is shown
    QApplication.processEvents()
    w.tabs.setCurrentWidget(w.splitter)
    QApplication.processEvents()
    assert _layout(w) == before


def test_closing_while_presenting_saves_the_normal_layout(qtbot, tiny_model_dir):
    from PySide6.QtCore import QSettings

    from tests.gui.conftest import open_window

    w = open_window(qtbot, str(tiny_model_dir))
    w.presentation_action.trigger()
    assert not w.controls_dock.isVisible()
    w.close()
    again = open_window(qtbot, str(tiny_model_dir))
    try:
        assert not again.presentation.on and not again.presentation_action.isChecked()
        assert again.controls_dock.isVisible() and again.prompt_editor.isVisible()
        assert not again.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        assert QSettings().value("window/state") is not None
    finally:
        again.close()
