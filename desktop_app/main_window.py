"""The main window: editors, controls, model bar, ranked candidates and their details, the console
dock and the status bar, with every action in a menu and on a shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.models.store import data_dir
from core.modes.source_check import prompt_problem
from core.ranking.order import RANKINGS
from desktop_app import theme, workbench_layout
from desktop_app.about_dialog import open_usage, show_about
from desktop_app.back_translation_ranker import BackTranslationRanker
from desktop_app.behaviour_ranker import BehaviourRanker
from desktop_app.candidate_actions import CandidateActions
from desktop_app.candidate_details import CandidateDetails, outcome_text
from desktop_app.candidates_view import CandidatesView
from desktop_app.code_editor import CodeEditor
from desktop_app.compare_tab import CompareTab
from desktop_app.console_dock import ConsoleDock
from desktop_app.controls_panel import PRESETS, ControlsPanel
from desktop_app.demo_menu import DemoMenu
from desktop_app.docstrings_tab import DocstringsTab
from desktop_app.examples_menu import ExamplesMenu
from desktop_app.examples_tab import ExamplesTab
from desktop_app.first_run import FirstRun
from desktop_app.history_dock import HistoryDock
from desktop_app.job_runner import JobRunner
from desktop_app.job_tab import JobTab
from desktop_app.lab_tab import LabTab
from desktop_app.message_bar import MessageBar
from desktop_app.model_bar import FOLDER, GGUF, ModelBar
from desktop_app.model_loading import ModelLoading
from desktop_app.preload import preload_modules
from desktop_app.presentation import PresentationMode, form_pane
from desktop_app.prompt_files import APP_TITLE, PromptFiles
from desktop_app.recent_files import RecentFilesMenu
from desktop_app.run_controller import RunController
from desktop_app.session_actions import SessionActions, open_store
from desktop_app.status_bar import StatusBar
from desktop_app.summary_panel import SummaryPanel, run_end_text
from desktop_app.tests_editor import TestsEditor
from desktop_app.titled import titled
from desktop_app.window_settings import WindowSettings
from desktop_app.workbench_recorder import STOPPED, WorkbenchRecorder


def sessions_path():
    return data_dir() / "sessions.sqlite"


PROMPT_PLACEHOLDER = 'def add(a, b):\n    """Return the sum of a and b."""\n'


class MainWindow(PromptFiles, SessionActions, CandidateActions, ModelLoading, WindowSettings, QMainWindow):
    run_pinned = Signal(int)  # a session pinned to Compare

    def __init__(self, model_spec: str | None = None):
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.problem: tuple[str, str | None] = ("", None)  # the loaded problem's title and function
        self.store = open_store(sessions_path())
        self.controller = RunController(self)
        self.model = self.controller.model
        self.jobs = JobRunner(self.controller, self.store, self)
        self.recorder = WorkbenchRecorder(self.controller, self.store, self)
        self.first_run = FirstRun(self)
        self.back_translation = BackTranslationRanker(self.controller, self)
        self.behaviour = BehaviourRanker(self.controller, self)
        self.prompt_path: str | None = None
        self.start_spec = model_spec  # the model asked for on the command line, if any
        self._loading: str | None = None  # the spec being loaded
        self._examples_after_load = False  # From examples runs again once it has loaded
        self._closed = False
        self.sandbox_report = ""
        self._make_actions()
        self._make_widgets()
        self._make_menus()
        self._connect()
        self.demo = DemoMenu(self)
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
        self.preset_actions = [
            a(f"Preset {name}", f"Ctrl+{i}", lambda _c=False, n=name: self.controls.apply_preset(n))
            for i, name in enumerate(PRESETS, start=1)
        ]
        self.load_action = a("&Load model", "Ctrl+L", lambda: self.model_bar.request_load())
        self.folder_action = a("Load model &folder…", "Ctrl+Shift+L", lambda: self.model_bar.choose(FOLDER))
        self.gguf_action = a("Load &GGUF file…", "Ctrl+Shift+G", lambda: self.model_bar.choose(GGUF))
        self.server_action = a("Connect to a &server…", "Ctrl+Shift+K", self.choose_server)
        self.copy_action = a("&Copy candidate", "Ctrl+Shift+C", self.copy_candidate)
        self.save_candidate_action = a("Save candidate…", "Ctrl+Shift+E", self.save_candidate)
        self.use_action = a(
            "&Use in editor", "Ctrl+U", self.use_in_editor, "Put the whole function in the prompt editor"
        )
        self.ranking_group = QActionGroup(self)
        for i, (key, label) in enumerate(RANKINGS.items(), start=1):
            action = a(f"Rank by {label}", f"Alt+{i}", lambda _c=False, k=key: self.set_ranking(k))
            action.setCheckable(True)
            action.setData(key)
            self.ranking_group.addAction(action)
        self.ranking_group.actions()[0].setChecked(True)
        self.import_session_action = a("&Import session…", "Ctrl+Shift+I", self.import_session)
        self.about_action = a("&About CodeSynth Studio", "Ctrl+Shift+F1", self.about)
        self.usage_action = a(
            "&Usage guide", QKeySequence.StandardKey.HelpContents, open_usage, "Open the README's usage section"
        )
        self.tour_action = a("Guided &tour", "Ctrl+Shift+T", lambda: self.first_run.tour())
        self.dark_action = a("&Dark mode", "Ctrl+Shift+D", self.set_dark, "Switch between dark and light colours")
        self.dark_action.setCheckable(True)
        self.dark_action.setChecked(theme.is_dark())
        self.presentation_action = a(
            "&Presentation mode",
            "F5",
            lambda on: self.presentation.set_on(on),
            "Larger type, only the candidates and the plots; again to leave",
        )
        self.presentation_action.setCheckable(True)

    def _make_widgets(self) -> None:
        self.message = MessageBar(self)
        self.model_bar = ModelBar(self)
        self.prompt_editor = CodeEditor(self, PROMPT_PLACEHOLDER)
        self.prompt_editor.setAcceptDrops(True)
        self.tests_editor = TestsEditor(self)
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
        self.splitter, self._splitters = workbench_layout.build(
            titled("Prompt", self.prompt_editor),
            titled("Tests", self.tests_editor),
            header,
            self.view,
            self.details,
            self,
        )
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "&Workbench")
        docstrings_tab = DocstringsTab(self.jobs, self.controls_params, self)
        self.examples_tab = ExamplesTab(self.jobs, self.controls_params, self)
        self.lab_tab = LabTab(self.jobs, self.controls_params, self)
        self.job_tabs = {}
        for tab in (docstrings_tab, self.examples_tab, self.lab_tab):
            self.job_tabs[tab.kind] = tab
            self.tabs.addTab(tab, tab.title)
        self.compare_tab = CompareTab(self.store, self)
        self.tabs.addTab(self.compare_tab, self.compare_tab.title)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        # Generate and Stop first: in a narrow window the model bar's end goes under », not Stop.
        run_toolbar = QToolBar("Run", self, objectName="run_toolbar")  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        run_toolbar.addActions([self.generate_action, self.stop_action])
        self.addToolBar(run_toolbar)
        model_toolbar = QToolBar("Model", self, objectName="model_toolbar")  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        model_toolbar.addWidget(self.model_bar)
        self.addToolBar(model_toolbar)
        self.controls = ControlsPanel(self)
        self.controls.tokens_per_s = lambda: self.controller.last_tokens_per_s
        self.controls_dock = QDockWidget("Parameters", self, objectName="controls_dock")  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        scroll = QScrollArea(self.controls_dock, widgetResizable=True)
        scroll.setWidget(self.controls)
        # The dock is never narrower than its form, so it scrolls only down, never sideways
        # (sideways it hid the labels).
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(
            self.controls.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
        )
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)
        self.history = HistoryDock(self.store, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history)
        self.tabifyDockWidget(self.controls_dock, self.history)
        self.controls_dock.raise_()
        self.console = ConsoleDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.console)
        self.console.hide()
        self.status = StatusBar(self)
        self.status.tokens_per_s = lambda: self.controller.run.tokens_per_s if self.controller.run else None
        self.setStatusBar(self.status)
        hidden_when_presenting = [self.controls_dock, self.history, self.console, self._splitters["editors"][0]]
        lab_form = form_pane(self.lab_tab, self.lab_tab.prompt_editor)
        self.presentation = PresentationMode(self, hidden_when_presenting + ([lab_form] if lab_form else []))

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_prompt_action, self.save_prompt_action, self.save_prompt_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.open_tests_action, self.save_tests_action, self.browse_action])
        self.examples_menu = ExamplesMenu(self)
        self.examples_menu.chosen.connect(self.load_example)
        file_menu.addMenu(self.examples_menu)
        self.recent_menu = RecentFilesMenu(self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.import_session_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = bar.addMenu("&Run")
        run_menu.addActions([self.generate_action, self.stop_action])
        run_menu.addSeparator()
        run_menu.addActions(self.preset_actions)
        model_menu = bar.addMenu("&Model")
        model_menu.addActions([self.load_action, self.folder_action, self.gguf_action, self.server_action])
        candidates_menu = bar.addMenu("&Candidates")
        candidates_menu.addActions([self.copy_action, self.save_candidate_action, self.use_action])
        candidates_menu.addSeparator()
        candidates_menu.addActions(self.ranking_group.actions())
        view_menu = bar.addMenu("&View")
        for dock, keys in ((self.controls_dock, "Ctrl+Shift+P"), (self.history, "Ctrl+H"), (self.console, "Ctrl+J")):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(keys))
            view_menu.addAction(toggle)
        view_menu.addSeparator()
        view_menu.addAction(self.dark_action)
        view_menu.addAction(self.presentation_action)
        bar.addMenu("&Help").addActions([self.usage_action, self.tour_action, self.about_action])

    def _connect(self) -> None:
        c = self.controller
        c.error.connect(self.message.error)
        c.info.connect(self.message.info)
        c.busy_changed.connect(self._set_busy)
        c.run_changed.connect(self._refresh_results)
        c.run_finished.connect(lambda: self.status.showMessage(run_end_text(c.run), 10_000))
        c.run_finished.connect(self.controls.show_estimate)
        self._connect_loading()
        c.engine.device_stats.connect(self.status.show_gpu)
        c.engine.loaded.connect(lambda _info: self.status.gpu.hide())  # until the new model's GPU says otherwise
        c.engine.sandbox_ready.connect(self.status.show_sandbox)
        c.engine.sandbox_unavailable.connect(lambda why: self.status.show_sandbox(None, why))
        self.view.selected.connect(self._show_candidate)
        self.prompt_editor.file_dropped.connect(self.open_prompt)
        self.tests_editor.editor.file_dropped.connect(self.open_tests)
        self.recent_menu.open_requested.connect(self.open_prompt)
        self.recorder.session_saved.connect(self.history.schedule_refresh)
        self.jobs.session_saved.connect(self.history.schedule_refresh)
        self.history.open_requested.connect(self.open_session)
        self.history.export_requested.connect(self.export_session)
        pin = QAction("Pin to Compare", self.history.list)
        pin.triggered.connect(lambda: self.pin_to_compare(self.history.selected_id()))
        self.history.list.addAction(pin)
        self.compare_tab.error.connect(self.message.error)
        self.compare_tab.info.connect(self.message.info)
        self.compare_tab.saved.connect(self.history.schedule_refresh)
        self.examples_tab.use_requested.connect(self.use_function)
        self.tabs.currentChanged.connect(self._clear_error)
        lab = self.lab_tab
        lab.problem_requested.connect(
            lambda: lab.set_problem(self.prompt_editor.toPlainText(), self.tests_editor.text())
        )
        # What the user types is saved a second after they stop typing, so a kill loses nothing.
        self._draft_timer = QTimer(self, singleShot=True, interval=1000, timeout=self._save_drafts)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self.prompt_editor.textChanged.connect(self._draft_timer.start)
        self.tests_editor.editor.textChanged.connect(self._draft_timer.start)

    def _start_services(self) -> None:
        if self._closed:  # closed before the event loop got here
            return
        self.first_run.start()
        self._offer_recovery()  # after the welcome: an interrupted run matters more
        preload_modules().start()
        self.controller.start_engine()
        self.load_model(self.start_spec or self.model_bar.spec())

    # -- running ---------------------------------------------------------------------------------

    def controls_params(self):
        return self.controls.params()

    def _clear_error(self, _index: int) -> None:
        """An error is about the tab it came from: it must not stay on screen over another one."""
        if self.message.kind == "error":
            self.message.clear()

    def generate(self) -> None:
        """Ctrl+Enter: the Workbench generates; the other tabs run their own job."""
        self.message.clear()
        if self.behaviour.give_way(self.generate):  # the background examination stops first
            return
        tab = self.tabs.currentWidget()
        if isinstance(tab, JobTab):  # the tabs other than the Workbench
            tab.run()
            return
        self.details.show_entry("", None)
        prompt = self.prompt_editor.toPlainText()
        problem = prompt_problem(prompt)
        self.prompt_editor.mark_error_line(problem.line if problem else None)
        self.controller.generate(prompt, self.tests_editor.text(), self.controls.params, self.run_name(prompt))

    def _set_busy(self, busy: bool) -> None:
        self.stop_action.setEnabled(busy)
        self.generate_action.setEnabled(not busy)

    def _refresh_results(self) -> None:
        self.summary.refresh(self.model, self.controller.run.n if self.controller.run else None)
        index = self.view.current_index()
        if index is not None:
            self.details.outcome.setPlainText(outcome_text(self.model.entry(index)))

    def set_ranking(self, key: str) -> None:
        self.model.set_ranking(key)
        self.back_translation.request()
        self.behaviour.request(explicit=True)
        self.ranking_box.setCurrentIndex(self.ranking_box.findData(key))
        next(a for a in self.ranking_group.actions() if a.data() == key).setChecked(True)

    def pin_to_compare(self, sid: int | None) -> None:
        """History's "Pin to Compare": the run joins the Compare tab, which comes to the front."""
        if sid is not None and self.compare_tab.pin_session(sid):
            self.run_pinned.emit(sid)
            self.tabs.setCurrentWidget(self.compare_tab)

    def use_function(self, text: str, tests: str, name: str) -> None:
        """A function taken from From examples becomes the Workbench's problem, with its tests."""
        self.start_problem(text, tests, f"{name} (from examples)")

    def about(self):
        return show_about(self, self.controller.engine.info)

    def load_example(self, entry) -> None:
        """A shipped example's prompt and tests into the Workbench editors (Undo brings the old back)."""
        self.start_problem(entry.prompt, entry.tests, entry.title)

    def closeEvent(self, event) -> None:
        self._closed = True
        self.presentation.set_on(False)  # the layout saved is the normal one: a presenter starts normally
        self._save()
        self.console.shutdown()
        self.recorder.finish(STOPPED)
        self.jobs.finish(STOPPED)
        self.compare_tab.shutdown()
        self.lab_tab.shutdown()
        self.controller.shutdown()
        self.history.detach()
        self.store.close()
        super().closeEvent(event)
