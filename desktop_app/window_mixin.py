"""The base of the main window's mixins (PromptFiles, SessionActions, CandidateActions, ModelLoading,
WindowSettings).

At run time it is `object`: MainWindow itself derives from QMainWindow and builds every part. For
the type checker it is a QMainWindow that declares the parts MainWindow builds and the mixins use,
so that a mixin's `self.message` or `QFileDialog.getSaveFileName(self, ...)` is checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

    from core.storage.session_store import SessionStore
    from desktop_app.candidate_details import CandidateDetails
    from desktop_app.candidates_model import CandidatesModel
    from desktop_app.candidates_view import CandidatesView
    from desktop_app.code_editor import CodeEditor
    from desktop_app.compare_tab import CompareTab
    from desktop_app.console_dock import ConsoleDock
    from desktop_app.controls_panel import ControlsPanel
    from desktop_app.examples_tab import ExamplesTab
    from desktop_app.history_dock import HistoryDock
    from desktop_app.job_tab import JobTab
    from desktop_app.message_bar import MessageBar
    from desktop_app.model_bar import ModelBar
    from desktop_app.recent_files import RecentFilesMenu
    from desktop_app.run_controller import RunController
    from desktop_app.status_bar import StatusBar
    from desktop_app.tests_editor import TestsEditor
    from desktop_app.workbench_recorder import WorkbenchRecorder

    class WindowMixin(QMainWindow):
        problem: tuple[str, str | None]  # the loaded problem's title and function
        prompt_path: str | None
        store: SessionStore
        controller: RunController
        model: CandidatesModel
        recorder: WorkbenchRecorder
        message: MessageBar
        status: StatusBar
        prompt_editor: CodeEditor
        tests_editor: TestsEditor
        view: CandidatesView
        details: CandidateDetails
        console: ConsoleDock
        controls: ControlsPanel
        history: HistoryDock
        recent_menu: RecentFilesMenu
        tabs: QTabWidget
        splitter: QSplitter  # the Workbench tab
        job_tabs: dict[str, JobTab]  # the other tabs, by job kind
        compare_tab: CompareTab
        examples_tab: ExamplesTab
        model_bar: ModelBar
        _loading: str | None  # the spec being loaded
        _examples_after_load: bool  # From examples runs again once it has loaded
        _splitters: dict[str, tuple[QSplitter, list[int]]]  # by settings name: splitter, default sizes
        set_ranking: Callable[[str], None]  # MainWindow.set_ranking
        _write: Callable[[str, str], bool]  # PromptFiles._write
else:
    WindowMixin = object
