"""A dialog to pick a HumanEval problem, searchable by id and by text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
)


class ProblemBrowser(QDialog):
    def __init__(self, problems: dict[str, dict], parent=None):
        super().__init__(parent)
        self.setWindowTitle("HumanEval problems")
        self.resize(900, 600)
        self.search = QLineEdit(self, placeholderText="Search by id or text, e.g. HumanEval/0 or palindrome")
        self.list = QListWidget(self)
        for task_id, problem in problems.items():
            item = QListWidgetItem(task_id, self.list)
            item.setData(Qt.ItemDataRole.UserRole, problem)
        self.preview = QPlainTextEdit(self, readOnly=True)
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(self.preview)
        split.setSizes([250, 650])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(split)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.setCurrentRow(0)

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            problem = item.data(Qt.ItemDataRole.UserRole)
            hit = needle in item.text().lower() or needle in problem["prompt"].lower()
            item.setHidden(not hit)
            first = first or (item if hit else None)
        if first is not None and (self.list.currentItem() is None or self.list.currentItem().isHidden()):
            self.list.setCurrentItem(first)

    def _show(self, item) -> None:
        if item is not None:
            problem = item.data(Qt.ItemDataRole.UserRole)
            self.preview.setPlainText(problem["prompt"] + "\n# ---- tests ----\n" + problem["test"])

    def selected(self) -> dict | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None
