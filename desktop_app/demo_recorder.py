"""Records what a presenter does in the window as demo script steps (core.storage.demo_script): the problem,
parameters and Generate of each Workbench run, the candidate and token shown, the temperature
slider, branches, pins to Compare and tab changes. Only the window's own signals are listened to,
so recording changes nothing the presenter does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.storage import demo_script as ds

if TYPE_CHECKING:
    from desktop_app.main_window import MainWindow


def tab_kind(window: MainWindow, widget) -> str | None:
    """The demo script's name of a tab of the window (core.storage.demo_script.TABS)."""
    if widget is window.splitter:
        return "workbench"
    return getattr(widget, "kind", None)


def tab_widget(window: MainWindow, kind: str):
    """The tab that `kind` (one of core.storage.demo_script.TABS) names."""
    return next(
        window.tabs.widget(i) for i in range(window.tabs.count()) if tab_kind(window, window.tabs.widget(i)) == kind
    )


class DemoRecorder(QObject):
    changed = Signal()  # a step was recorded, or recording started or stopped

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.recording = False
        self.steps: tuple[ds.Step, ...] = ()
        self._runs: list[int] = []  # session ids of the runs recorded, in order: PinRun names them by place
        c = window.controller
        c.run_started.connect(self._on_run_started)  # after WorkbenchRecorder's: the session id is set
        c.branched.connect(lambda b: self._add(ds.Branch(b.parent, b.position, b.alternative)))
        window.view.selected.connect(self._on_selected)
        window.details.heat.position_selected.connect(self._on_position)
        window.controls.temperature.valueChanged.connect(lambda t: self._add(ds.SetTemperature(round(t, 4))))
        window.tabs.currentChanged.connect(self._on_tab)
        window.run_pinned.connect(self._on_pinned)

    def start(self) -> None:
        """A new script: the steps recorded before are dropped."""
        self.recording, self.steps, self._runs = True, (), []
        self.changed.emit()

    def stop(self) -> None:
        self.recording = False
        self.changed.emit()

    def _add(self, step: ds.Step) -> None:
        if self.recording:
            self.steps = ds.appended(self.steps, step)
            self.changed.emit()

    def _latest(self, kind: type):
        return next((s for s in reversed(self.steps) if isinstance(s, kind)), None)

    def _on_run_started(self, run, params) -> None:
        if not self.recording:
            return
        try:
            params_step = ds.params_step(params)
        except ValueError as exc:
            self.window.message.info(
                f"The demo script leaves this run out: {exc}. Untick Seed: random in the "
                f"Parameters and generate again to record it."
            )
            return
        if self._latest(ds.SetParams) != params_step:  # first: it replaces a temperature moved just before
            self._add(params_step)
        problem = ds.SetProblem(run.prompt, run.tests)
        if self._latest(ds.SetProblem) != problem:
            self._add(problem)
        self._add(ds.Generate())
        if self.window.recorder.session_id is not None:
            self._runs.append(self.window.recorder.session_id)

    def _on_selected(self, index: int | None) -> None:
        if index is not None:
            self._add(ds.SelectCandidate(index))

    def _on_position(self, position: int) -> None:
        candidate = self.window.details.heat.candidate
        if candidate is not None:
            self._add(ds.ShowToken(candidate.index, position))

    def _on_tab(self, index: int) -> None:
        kind = tab_kind(self.window, self.window.tabs.widget(index))
        if kind in ds.TABS:
            self._add(ds.ShowTab(kind))

    def _on_pinned(self, session_id: int) -> None:
        if not self.recording:
            return
        if session_id in self._runs:
            self._add(ds.PinRun(self._runs.index(session_id)))
        else:
            self.window.message.info(
                "The demo script leaves this pin out: only runs generated while recording "
                "can be pinned again when it plays."
            )
