"""The File ▸ Recent menu, kept in QSettings."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QMenu

MAX_RECENT = 10
KEY = "files/recent"


class RecentFilesMenu(QMenu):
    open_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__("Recent files", parent)
        self.paths = [str(p) for p in QSettings().value(KEY, [], type=list)][:MAX_RECENT]
        self._rebuild()

    def add(self, path: str) -> None:
        path = os.path.abspath(path)
        self.paths = [path, *(p for p in self.paths if p != path)][:MAX_RECENT]
        QSettings().setValue(KEY, self.paths)
        self._rebuild()

    def _rebuild(self) -> None:
        self.clear()
        for number, path in enumerate(self.paths, start=1):
            # Alt+number in the open menu picks the file.
            action = self.addAction(f"&{number % 10} {path}")
            action.triggered.connect(lambda _checked=False, p=path: self.open_requested.emit(p))
        self.setEnabled(bool(self.paths))
