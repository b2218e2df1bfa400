"""The main window: editors, controls, model bar, ranked candidates and their details, the console
dock and the status bar, with every action in a menu and on a shortcut."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                               QScrollArea, QSplitter, QToolBar, QVBoxLayout, QWidget)

from core.ranking_view import RANKINGS
from desktop_app.candidate_details import CandidateDetails, outcome_text
from desktop_app.candidates_view import CandidatesView
from desktop_app.code_editor import CodeEditor
from desktop_app.console_dock import ConsoleDock
from desktop_app.controls_panel import PRESETS, ControlsPanel
from desktop_app.message_bar import MessageBar
from desktop_app.model_bar import FOLDER, GGUF, ModelBar
from desktop_app.preload import preload_modules
from desktop_app.prompt_files import PY_FILTER, PromptFiles
from desktop_app.recent_files import RecentFilesMenu
from desktop_app.run_controller import RunController
from desktop_app.status_bar import StatusBar
from desktop_app.summary_panel import SummaryPanel
from desktop_app.tests_editor import TestsEditor

PROMPT_PLACEHOLDER = 'def add(a, b):\n    """Return the sum of a and b."""\n'


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(widget)
    return box


class MainWindow(PromptFiles, QMainWindow):
    def __init__(self, model_spec: str | None = None):
        super().__init__()
        self.setWindowTitle("CodeSynth Studio")
        self.controller = RunController(self)
        self.model = self.controller.model
        self.prompt_path: str | None = None
        self._model_spec = model_spec
        self._make_actions()
        self._make_widgets()
        self._make_menus()
        self._connect()
        self._restore()
        # The engine process and the sandbox start after the window is up, so they never delay it.
        QTimer.singleShot(0, self._start_services)

    # -- construction ----------------------------------------------------------------------------

    def _action(self, text: str, shortcut, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')} ({QKeySequence(shortcuts[0]).toString()})")
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while the menu bar is hidden too
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.open_prompt_action = a("&Open prompt…", QKeySequence.StandardKey.Open, self.open_prompt)
        self.save_prompt_action = a("&Save prompt", QKeySequence.StandardKey.Save, self.save_prompt)
        self.save_prompt_as_action = a("Save prompt &as…", QKeySequence.StandardKey.SaveAs, self.save_prompt_as)
        self.open_tests_action = a("Open &tests…", "Ctrl+Shift+O", self.open_tests)
        self.save_tests_action = a("Save t&ests as…", "Ctrl+Alt+S", self.save_tests_as)
        self.browse_action = a("&HumanEval problems…", "Ctrl+P", self.browse_problems)
        self.quit_action = a("&Quit", "Ctrl+Q", self.close)
        self.generate_action = a("&Generate", ["Ctrl+Return", "Ctrl+Enter"], self.generate)
        self.stop_action = a("&Stop", "Esc", self.controller.stop, "Stop generating or loading")
        self.stop_action.setEnabled(False)
        self.preset_actions = [a(f"Preset {name}", f"Ctrl+{i}", lambda _c=False, n=name: self.controls.apply_preset(n))
                               for i, name in enumerate(PRESETS, start=1)]
        self.load_action = a("&Load model", "Ctrl+L", lambda: self.model_bar.request_load())
        self.folder_action = a("Load model &folder…", "Ctrl+Shift+L", lambda: self.model_bar.choose(FOLDER))
        self.gguf_action = a("Load &GGUF file…", "Ctrl+Shift+G", lambda: self.model_bar.choose(GGUF))
        self.copy_action = a("&Copy candidate", "Ctrl+Shift+C", self.copy_candidate)
        self.save_candidate_action = a("Save candidate…", "Ctrl+Shift+E", self.save_candidate)
        self.use_action = a("&Use in editor", "Ctrl+U", self.use_in_editor, "Put the whole function in the prompt editor")
        self.ranking_group = QActionGroup(self)
        for i, (key, label) in enumerate(RANKINGS.items(), start=1):
            action = a(f"Rank by {label}", f"Alt+{i}", lambda _c=False, k=key: self.set_ranking(k))
            action.setCheckable(True)
            action.setData(key)
            self.ranking_group.addAction(action)
        self.ranking_group.actions()[0].setChecked(True)
        self.about_action = a("&About CodeSynth Studio", QKeySequence.StandardKey.HelpContents, self.about)

    def _make_widgets(self) -> None:
        self.message = MessageBar(self)
        self.model_bar = ModelBar(self)
        self.prompt_editor = CodeEditor(self, PROMPT_PLACEHOLDER)
        self.prompt_editor.setAcceptDrops(True)
        self.tests_editor = TestsEditor(self)
        editors = QSplitter(Qt.Orientation.Vertical, self)
        editors.addWidget(_titled("Prompt", self.prompt_editor))
        editors.addWidget(_titled("Tests", self.tests_editor))
        self.summary = SummaryPanel(self)
        self.ranking_box = QComboBox(self)
        for key, label in RANKINGS.items():
            self.ranking_box.addItem(label, key)
        self.ranking_box.activated.connect(lambda _i: self.set_ranking(self.ranking_box.currentData()))
        actions = [self.copy_action, self.save_candidate_action, self.use_action]
        self.view = CandidatesView(self.model, actions, self)
        self.details = CandidateDetails(actions, self)
        header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(QLabel("Rank by:"))
        header.addWidget(self.ranking_box)
        results = QSplitter(Qt.Orientation.Vertical, self)
        results.addWidget(self.view)
        results.addWidget(self.details)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(header)
        right_layout.addWidget(results)
        self.splitter = QSplitter(self)
        self.splitter.addWidget(editors)
        self.splitter.addWidget(right)
        self.splitter.setSizes([500, 700])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter)
        self.setCentralWidget(central)
        self._splitters = {"editors": editors, "results": results, "main": self.splitter}

        model_toolbar = QToolBar("Model", self, objectName="model_toolbar")
        model_toolbar.addWidget(self.model_bar)
        self.addToolBar(model_toolbar)
        run_toolbar = QToolBar("Run", self, objectName="run_toolbar")
        run_toolbar.addActions([self.generate_action, self.stop_action])
        self.addToolBar(run_toolbar)
        self.controls = ControlsPanel(self)
        self.controls_dock = QDockWidget("Parameters", self, objectName="controls_dock")
        scroll = QScrollArea(self.controls_dock, widgetResizable=True)
        scroll.setWidget(self.controls)
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)
        self.console = ConsoleDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.console)
        self.console.hide()
        self.status = StatusBar(self)
        self.status.tokens_per_s = lambda: self.controller.run.tokens_per_s if self.controller.run else None
        self.setStatusBar(self.status)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_prompt_action, self.save_prompt_action, self.save_prompt_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.open_tests_action, self.save_tests_action, self.browse_action])
        self.recent_menu = RecentFilesMenu(self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = bar.addMenu("&Run")
        run_menu.addActions([self.generate_action, self.stop_action])
        run_menu.addSeparator()
        run_menu.addActions(self.preset_actions)
        model_menu = bar.addMenu("&Model")
        model_menu.addActions([self.load_action, self.folder_action, self.gguf_action])
        candidates_menu = bar.addMenu("&Candidates")
        candidates_menu.addActions([self.copy_action, self.save_candidate_action, self.use_action])
        candidates_menu.addSeparator()
        candidates_menu.addActions(self.ranking_group.actions())
        view_menu = bar.addMenu("&View")
        for dock, keys in ((self.controls_dock, "Ctrl+Shift+P"), (self.console, "Ctrl+J")):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(keys))
            view_menu.addAction(toggle)
        bar.addMenu("&Help").addAction(self.about_action)

    def _connect(self) -> None:
        c = self.controller
        c.error.connect(self.message.error)
        c.info.connect(self.message.info)
        c.busy_changed.connect(self._set_busy)
        c.run_changed.connect(self._refresh_results)
        c.run_finished.connect(lambda: self.status.showMessage("Generation and tests finished", 5000))
        c.engine.progress.connect(self.model_bar.show_loading)
        c.engine.loaded.connect(self._on_loaded)
        c.engine.load_failed.connect(self._on_load_failed)
        c.engine.load_stopped.connect(self._on_load_stopped)
        c.engine.device_stats.connect(self.status.show_gpu)
        c.sandbox.ready.connect(self.status.show_sandbox)
        c.sandbox.unavailable.connect(lambda why: self.status.show_sandbox(None, why))
        self.model_bar.load_requested.connect(self.load_model)
        self.view.selected.connect(self._show_candidate)
        self.prompt_editor.file_dropped.connect(self.open_prompt)
        self.tests_editor.editor.file_dropped.connect(self.open_tests)
        self.recent_menu.open_requested.connect(self.open_prompt)

    def _start_services(self) -> None:
        preload_modules().start()
        self.controller.start_sandbox()
        self.load_model(self._model_spec or self.model_bar.spec())

    # -- model -----------------------------------------------------------------------------------

    def load_model(self, spec: str) -> None:
        if self.controller.load(spec):
            self.model_bar.set_spec(spec)
            self.model_bar.show_loading(f"Loading {spec}…")

    def _on_loaded(self, info) -> None:
        self.model_bar.show_loaded(info)
        self.status.engine_pid = self.controller.engine.pid

    def _on_load_failed(self, message: str) -> None:
        self.model_bar.show_failed(message)
        self.message.error(f"The model could not be loaded: {message}")
        if self.controller.engine.info is not None:
            self.model_bar.show_loaded(self.controller.engine.info)

    def _on_load_stopped(self) -> None:
        message = "Model load stopped. No model is loaded: choose one and press Load (Ctrl+L)."
        self.model_bar.show_failed(message)
        self.message.info(message)

    # -- running ---------------------------------------------------------------------------------

    def generate(self) -> None:
        self.message.clear()
        self.details.show_entry("", None)
        self.controller.generate(self.prompt_editor.toPlainText(), self.tests_editor.text(), self.controls.params)

    def _set_busy(self, busy: bool) -> None:
        self.stop_action.setEnabled(busy)
        self.generate_action.setEnabled(not busy)

    def _refresh_results(self) -> None:
        self.summary.refresh(self.model)
        index = self.view.current_index()
        if index is not None:
            self.details.outcome.setPlainText(outcome_text(self.model.entry(index)))

    def set_ranking(self, key: str) -> None:
        self.model.set_ranking(key)
        self.ranking_box.setCurrentIndex(self.ranking_box.findData(key))
        next(a for a in self.ranking_group.actions() if a.data() == key).setChecked(True)

    # -- the selected candidate ------------------------------------------------------------------

    def _selected(self):
        index = self.view.current_index()
        entry = self.model.entry(index) if index is not None else None
        return entry if entry is not None and entry.candidate is not None else None

    def _show_candidate(self, index) -> None:
        run = self.controller.run
        entry = self._selected()
        self.details.show_entry(run.prompt if run else "", entry)
        if entry is not None:
            self.console.define_candidate(run.prompt, entry.candidate.text, run.entry_point)

    def _whole_function(self) -> str | None:
        entry = self._selected()
        if entry is None:
            self.message.info("Select a finished candidate first.")
            return None
        return self.controller.run.prompt + entry.candidate.text

    def copy_candidate(self) -> None:
        text = self._whole_function()
        if text is not None:
            QGuiApplication.clipboard().setText(text)
            self.status.showMessage("Candidate copied", 3000)

    def save_candidate(self) -> None:
        text = self._whole_function()
        if text is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save candidate", "candidate.py", PY_FILTER)
        if path:
            self._write(path, text)

    def use_in_editor(self) -> None:
        text = self._whole_function()
        if text is not None:
            # Through the cursor, not setPlainText, so Undo brings the old prompt back.
            cursor = self.prompt_editor.textCursor()
            cursor.select(cursor.SelectionType.Document)
            cursor.insertText(text)

    def about(self) -> None:
        QMessageBox.about(self, "CodeSynth Studio", "Sample, rank and test code candidates, after the Codex paper.")

    # -- persistence -----------------------------------------------------------------------------

    def _restore(self) -> None:
        s = QSettings()
        if s.contains("window/geometry"):
            self.restoreGeometry(s.value("window/geometry"))
            self.restoreState(s.value("window/state"))
        else:
            self.resize(1400, 900)
        for name, splitter in self._splitters.items():
            if s.contains(f"window/{name}"):
                splitter.restoreState(s.value(f"window/{name}"))
        self.controls.restore(s)
        self.model_bar.restore(s)
        self.prompt_editor.setPlainText(str(s.value("editors/prompt", "")))
        self.tests_editor.setPlainText(str(s.value("editors/tests", "")))
        self.set_ranking(str(s.value("ranking", "mean_logprob")))

    def _save(self) -> None:
        s = QSettings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        for name, splitter in self._splitters.items():
            s.setValue(f"window/{name}", splitter.saveState())
        self.controls.save(s)
        self.model_bar.save(s)
        s.setValue("editors/prompt", self.prompt_editor.toPlainText())
        s.setValue("editors/tests", self.tests_editor.text())
        s.setValue("ranking", self.model.ranking)

    def closeEvent(self, event) -> None:
        self._save()
        self.console.shutdown()
        self.controller.shutdown()
        super().closeEvent(event)
