"""File > Example prompts: the shipped classic tasks, each with tests, for the Workbench."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu

from core.modes.example_library import load_library


class ExamplesMenu(QMenu):
    chosen = Signal(object)  # core.modes.example_library.LibraryEntry

    def __init__(self, parent=None):
        super().__init__("E&xample prompts", parent)
        self.entries = [e for e in load_library() if e.kind == "classic"]
        for entry in self.entries:
            self.addAction(entry.title).triggered.connect(lambda _c=False, e=entry: self.chosen.emit(e))
