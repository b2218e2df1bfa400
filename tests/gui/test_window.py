"""Window conventions: menus and shortcuts, settings that persist, files, drag and drop, the
problem browser."""

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMenu

from desktop_app.main_window import MainWindow
from desktop_app.problem_browser import ProblemBrowser


def menu_actions(menu: QMenu):
    for action in menu.actions():
        if action.menu() is not None:
            yield from menu_actions(action.menu())
        elif not action.isSeparator():
            yield action


def test_every_menu_action_has_a_shortcut(tiny_window):
    # Lists of files and examples are reached through their menus' mnemonics.
    lists = tiny_window.recent_menu.actions() + tiny_window.examples_menu.actions()
    actions = [a for top in tiny_window.menuBar().actions() for a in menu_actions(top.menu()) if a not in lists]
    assert len(actions) > 20
    assert [a.text() for a in actions if a.shortcut().isEmpty()] == []
    shortcuts = [a.shortcut().toString() for a in actions]
    assert len(shortcuts) == len(set(shortcuts))


def test_window_has_the_app_icon_at_every_installed_size(tiny_window):
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    icon = tiny_window.windowIcon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert {16, 32, 48, 256, 512} <= sizes
    assert not icon.pixmap(QSize(64, 64)).isNull()
    assert QApplication.desktopFileName() == "codesynth-studio"  # the installer's desktop entry


def test_settings_persist(qtbot, tmp_path):
    first = MainWindow(model_spec=str(tmp_path / "missing"))
    first.controls.samples.setValue(37)
    first.controls.temperature.setValue(0.35)
    first.controls.random_seed.setChecked(True)
    first.prompt_editor.setPlainText("def kept():\n")
    first.set_ranking("sum_logprob")
    first.close()
    second = MainWindow(model_spec=str(tmp_path / "missing"))
    try:
        assert second.controls.samples.value() == 37
        assert abs(second.controls.temperature.value() - 0.35) < 1e-9
        assert second.controls.params().seed is None
        assert second.prompt_editor.toPlainText() == "def kept():\n"
        assert second.model.ranking == "sum_logprob" and second.ranking_box.currentData() == "sum_logprob"
    finally:
        second.set_ranking("mean_logprob")
        second.close()


def test_drop_open_save_and_recent_files(tiny_window, tmp_path, monkeypatch):
    w = tiny_window
    source = tmp_path / "dropped.py"
    source.write_text("def dropped(x):\n    pass\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source))])
    editor = w.prompt_editor
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    editor.dropEvent(drop)
    assert editor.toPlainText() == source.read_text()
    assert w.recent_menu.paths[0] == str(source)
    target = tmp_path / "saved.py"
    monkeypatch.setattr("desktop_app.prompt_files.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    editor.setPlainText("def saved():\n    return 1\n")
    w.save_prompt_as()
    assert target.read_text() == "def saved():\n    return 1\n"
    w.open_prompt(str(tmp_path / "nope.py"))
    assert "Cannot open" in w.message.text() and editor.toPlainText() == "def saved():\n    return 1\n"


def test_problem_browser_search_and_load(qtbot, tiny_window):
    from core.evaluation.problems import load_problems

    problems = load_problems()
    browser = ProblemBrowser(problems, tiny_window)
    qtbot.addWidget(browser)
    browser.search.setText("palindrome")
    visible = [browser.list.item(r).text() for r in range(browser.list.count()) if not browser.list.item(r).isHidden()]
    assert "HumanEval/10" in visible and len(visible) < 20
    browser.search.setText("HumanEval/16")
    assert browser.selected()["task_id"].startswith("HumanEval/16")
    tiny_window.load_problem(problems["HumanEval/0"])
    assert tiny_window.prompt_editor.toPlainText() == problems["HumanEval/0"]["prompt"]
    assert "def check(candidate)" in tiny_window.tests_editor.text()
    assert not tiny_window.tests_editor.error_label.isVisible()
