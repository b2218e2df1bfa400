"""Plays a demo script (core.storage.demo_script) in the window one step at a time, each through the same
path a presenter's click takes: the editors, the Parameters dock, Generate, the candidates table,
the token view's branch and distribution, History's pin and the tabs. A step that starts a run
(Generate, Branch) holds the next one back until its candidates are tested, so the steps after it
find the candidates they name. Generating goes to the engine process the window already has.

A step that cannot run here (a candidate the run lacks) says why in one sentence and the script
goes on with the next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.modes.entry_point import entry_point
from core.storage import demo_script as ds
from desktop_app.demo_recorder import tab_widget
from desktop_app.engine_client import IDLE

if TYPE_CHECKING:
    from desktop_app.main_window import MainWindow


class StepFailed(Exception):
    """Why a step cannot run in the window as it is; the message is a clause."""


class DemoPlayer(QObject):
    changed = Signal()  # the step to come, or whether a run is awaited, changed

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.script: ds.Script | None = None
        self.position = 0  # of the next step in script.steps
        self.waiting = False  # for the run the last step started
        self._finished = False
        self._runs: list[int] = []  # session ids of the runs played, for PinRun
        self._pinned = False  # whether this play has pinned a run yet
        self._expect_run = False
        c = window.controller
        c.run_started.connect(self._on_run_started)  # after WorkbenchRecorder's: the session id is set
        c.run_finished.connect(self._on_run_finished)
        c.engine.state_changed.connect(lambda _state: self._check_ready())
        self._apply: dict[type, Callable[[Any], object]] = {
            ds.SetProblem: self._set_problem,
            ds.SetParams: self._set_params,
            ds.Generate: self._generate,
            ds.SelectCandidate: lambda s: self._select(s.candidate),
            ds.ShowToken: self._show_token,
            ds.Branch: self._branch,
            ds.SetTemperature: self._set_temperature,
            ds.PinRun: self._pin,
            ds.ShowTab: lambda s: self.window.tabs.setCurrentWidget(tab_widget(self.window, s.tab)),
        }

    @property
    def playing(self) -> bool:
        return self.script is not None

    def play(self, script: ds.Script) -> None:
        self.script, self.position, self.waiting, self._runs, self._pinned = script, 0, False, [], False
        self.changed.emit()

    def stop(self) -> None:
        self.script, self.waiting = None, False
        self.changed.emit()

    def can_advance(self) -> bool:
        return self.script is not None and not self.waiting and self.position < len(self.script.steps)

    def step_text(self) -> str:
        """What the presenter sees: the step the next key press plays."""
        if self.script is None:
            return ""
        total = len(self.script.steps)
        if self.waiting:
            return f"Demo step {self.position} of {total}: waiting for the run to be tested…"
        if self.position >= total:
            return f"Demo: all {total} steps played."
        return f"Demo step {self.position + 1} of {total}: {self.script.steps[self.position].describe()} (Space, → or Page Down)"

    def advance(self) -> bool:
        """Plays the next step; False when there is none now (a run is awaited, or the script ended)."""
        w = self.window
        if self.script is None:
            return False
        if self.waiting:
            w.message.info("The demo waits for the run to be tested before its next step.")
            return False
        if self.position >= len(self.script.steps):
            w.message.info("The demo script has ended: open it again (Demo menu) to play it from the start.")
            return False
        step = self.script.steps[self.position]
        self.position += 1
        w.message.clear()
        try:
            self._apply[type(step)](step)
        except StepFailed as exc:
            self.waiting = False
            w.message.error(f"Demo step {self.position} ({step.describe()}) could not run: {exc}.")
        if self.waiting and w.message.kind == "error":  # the window refused the run and said why
            self.waiting = self._expect_run = False
        self.changed.emit()
        return True

    # -- the steps ---------------------------------------------------------------------------------

    def _set_problem(self, step: ds.SetProblem) -> None:
        self.window.start_problem(step.prompt, step.tests, f"{entry_point(step.prompt) or 'prompt'} (demo)")

    def _set_params(self, step: ds.SetParams) -> None:
        p = step.sampling_params()
        self.window.controls.set_params(
            {
                "n": p.n,
                "temperature": p.temperature,
                "top_p": p.top_p,
                "top_k": p.top_k,
                "max_new_tokens": p.max_new_tokens,
                "seed": p.seed,
                "stop": p.stop,
                "mode": p.mode,
            }
        )

    def _await_run(self) -> None:
        self.waiting, self._finished = True, False

    def _generate(self, _step: ds.Generate) -> None:
        self.window.tabs.setCurrentWidget(self.window.splitter)
        self._await_run()
        self._expect_run = True
        self.window.generate()

    def _candidate(self, index: int):
        run = self.window.controller.run
        entry = next(
            (e for e in self.window.model.entries if e.candidate is not None and e.candidate.index == index), None
        )
        if run is None or entry is None:
            raise StepFailed(f"the run has no finished candidate #{index}")
        return entry.candidate

    def _select(self, index: int):
        candidate = self._candidate(index)
        view = self.window.view
        self.window.tabs.setCurrentWidget(self.window.splitter)
        view.selectRow(view.ranked_indices().index(index))
        return candidate

    def _token(self, index: int, position: int):
        candidate = self._select(index)
        shown = self.window.details.heat.shown_tokens
        if position >= shown:
            raise StepFailed(f"candidate #{index} shows {shown} tokens, not {position + 1}")
        return candidate

    def _show_token(self, step: ds.ShowToken) -> None:
        self._token(step.candidate, step.position)
        self.window.details.heat.select_token(step.position)

    def _branch(self, step: ds.Branch) -> None:
        self._token(step.candidate, step.position)
        self._await_run()
        self.window.details.explorer.branch(step.position, step.alternative)

    def _set_temperature(self, step: ds.SetTemperature) -> None:
        self.window.controls.temperature.setValue(step.temperature)

    def _pin(self, step: ds.PinRun) -> None:
        if step.run >= len(self._runs):
            raise StepFailed(f"run {step.run + 1} of this demo has not been generated")
        if not self._pinned:  # the demo's runs are compared among themselves; the comparison before stays in History
            self.window.compare_tab.clear()
            self._pinned = True
        self.window.pin_to_compare(self._runs[step.run])

    # -- waiting for a run -------------------------------------------------------------------------

    def _on_run_started(self, _run, _params) -> None:
        if self._expect_run and self.window.recorder.session_id is not None:
            self._runs.append(self.window.recorder.session_id)
        self._expect_run = False

    def _on_run_finished(self) -> None:
        self._finished = True
        self._check_ready()

    def _check_ready(self) -> None:
        if self.waiting and self._finished and self.window.controller.engine.state == IDLE:
            self.waiting = False
            self.changed.emit()
