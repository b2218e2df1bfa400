"""What the Docstrings, Examples and Sampling-lab tabs share: a Run that starts their job in the
engine process, and a document (inputs plus the latest results) that the session store keeps."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from core.sampling.params import SamplingParams


class JobTab(QWidget):
    kind = ""  # the job's name in core.host.jobs, and the session kind
    title = ""  # the tab's label

    def __init__(self, jobs, params: Callable[[], SamplingParams], parent=None):
        """`jobs` is the window's JobRunner; `params()` reads the Parameters dock (it may raise
        InvalidParams)."""
        super().__init__(parent)
        self.jobs, self.params = jobs, params

    @property
    def running(self) -> bool:
        return self.jobs.owner is self

    def run(self) -> None:
        """Ctrl+Enter on this tab: check the inputs, then `self.jobs.start(self, name, **kwargs)`.
        Report bad input with `self.jobs.controller.error.emit(text)`."""
        raise NotImplementedError

    def show_snapshot(self, update) -> None:
        """One update of the job, of the type it sends (core.host.snapshots)."""
        raise NotImplementedError

    def job_ended(self, ok: bool) -> None:
        """The job finished (ok) or failed or was stopped; the last snapshot has been shown."""

    def document(self) -> dict:
        """Everything needed to show this tab again: inputs and the latest snapshot (JSON-able)."""
        raise NotImplementedError

    def restore(self, document: dict) -> None:
        raise NotImplementedError
