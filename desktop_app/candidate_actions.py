"""What the user does with the selected candidate: see it (tokens, outcome, console), copy it,
save it, or put the whole function in the prompt editor. Mixed into the main window, whose table,
details, console and controller it uses."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from desktop_app.code_editor import replace_all
from desktop_app.prompt_files import PY_FILTER
from desktop_app.window_mixin import WindowMixin


class CandidateActions(WindowMixin):
    def _selected(self):
        index = self.view.current_index()
        entry = self.model.entry(index) if index is not None else None
        return entry if entry is not None and entry.candidate is not None else None

    def _show_candidate(self, index) -> None:
        run = self.controller.run
        entry = self._selected()
        self.details.show_entry(run.prompt if run else "", entry)
        if entry is not None and run is not None:  # an entry belongs to the current run
            self.console.define_candidate(run.prompt, entry.candidate.text, run.entry_point)

    def _whole_function(self) -> str | None:
        entry, run = self._selected(), self.controller.run
        if entry is None or run is None:
            self.message.info("Select a finished candidate first.")
            return None
        return run.prompt + entry.candidate.text

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
            replace_all(self.prompt_editor, text)
