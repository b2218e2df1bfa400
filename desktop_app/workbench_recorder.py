"""Autosaves every Workbench run to the session store as it happens: the session is created when
Generate is pressed, and each candidate and test verdict is written the moment it arrives, so a
kill -9 mid-run loses at most the candidates still being decoded."""

from __future__ import annotations

from dataclasses import asdict

from PySide6.QtCore import QObject, Signal

from core.modes.entry_point import entry_point
from core.storage.session_store import RUNNING

STOPPED = "stopped"


def session_name(prompt: str) -> str:
    """The function the prompt asks for (not its first line, which may be an import), else its
    first line."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "untitled")
    return (entry_point(prompt) or first.removeprefix("def ").split("(")[0])[:60] or "untitled"


class WorkbenchRecorder(QObject):
    session_saved = Signal()

    def __init__(self, controller, store, parent=None) -> None:
        super().__init__(parent)
        self.store, self.controller = store, controller
        self.session_id: int | None = None
        controller.run_started.connect(self._on_run_started)

    def _on_run_started(self, run, params) -> None:
        self.finish(STOPPED)  # a run still open was replaced by this one
        info = self.controller.engine.info
        sid = self.store.create(
            run.name or session_name(run.prompt),
            "workbench",
            run.prompt,
            run.tests,
            asdict(params),
            info.name if info is not None else "",
            state=RUNNING,
        )
        self.session_id = sid
        run.candidate_finished.connect(lambda c: self._add_candidate(sid, c))
        run.tested.connect(lambda index, result: self._add_result(sid, index, result))
        run.tests_done.connect(lambda: self._close(sid, "done"))
        self.session_saved.emit()

    def _add_candidate(self, sid: int, candidate) -> None:
        self.store.add_candidate(sid, candidate)
        self.session_saved.emit()

    def _add_result(self, sid: int, index: int, result) -> None:
        self.store.add_result(sid, index, result.passed, result.to_json())
        self.session_saved.emit()

    def finish(self, state: str) -> None:
        """Marks the open session finished; the window calls it with STOPPED when it closes mid-run."""
        if self.session_id is not None:
            self._close(self.session_id, state)

    def _close(self, sid: int, state: str) -> None:
        self.store.update(sid, state=state)
        if sid == self.session_id:
            self.session_id = None
        self.session_saved.emit()
