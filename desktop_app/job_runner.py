"""Runs one tab's job in the engine process, routes its updates (core.host.snapshots) back to that
tab, and saves the tab's document to the session store as each update arrives, so a kill loses at
most the last quarter second."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.storage.session_store import RUNNING

if TYPE_CHECKING:
    from desktop_app.job_tab import JobTab


class JobRunner(QObject):
    session_saved = Signal()  # the history list may have changed

    def __init__(self, controller, store, parent=None) -> None:
        super().__init__(parent)
        self.controller, self.store = controller, store
        self.owner: JobTab | None = None  # the tab whose job runs
        self.session_id: int | None = None
        engine = controller.engine
        engine.job_update.connect(self._on_update)
        engine.job_done.connect(lambda: self._end("done"))
        engine.job_failed.connect(self._on_failed)

    def start(self, owner, session_name: str, **kwargs) -> bool:
        """Starts `owner.kind`'s job, or emits why it cannot start."""
        problem = self.controller.engine_refusal()
        if problem is not None:
            self.controller.error.emit(problem)
            return False
        self.owner = owner
        self.session_id = self.store.create(
            session_name, owner.kind, model=self.controller.engine.info.name, state=RUNNING
        )
        self._save(owner)
        self.controller.engine.run_job(owner.kind, **kwargs)
        return True

    def _save(self, owner: JobTab) -> None:
        self.store.put_document(self.session_id, owner.kind, owner.document())
        self.session_saved.emit()

    def _on_update(self, update: object) -> None:
        if self.owner is not None:
            self.owner.show_snapshot(update)
            self._save(self.owner)

    def _on_failed(self, message: str) -> None:
        self.controller.error.emit(message)
        self._end("failed")

    def finish(self, state: str) -> None:
        """The window closes mid-job: the session is kept as it stands, marked `state`."""
        if self.owner is not None:
            self._end(state)

    def _end(self, state: str) -> None:
        owner, self.owner = self.owner, None
        if owner is None:
            return
        self.store.update(self.session_id, state=state)
        self.session_saved.emit()
        owner.job_ended(state == "done")
