"""The ranked candidates table."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from desktop_app.candidates_model import COLUMNS, NOTES, PROGRAM, TESTS, CandidatesModel, RankedProxy


class CandidatesView(QTableView):
    selected = Signal(object)  # candidate index, or None

    def __init__(self, model: CandidatesModel, actions, parent=None):
        super().__init__(parent)
        self.proxy = RankedProxy(model, self)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        # Fixed widths: sizing columns to their contents would measure every row on every update.
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        digit = self.fontMetrics().horizontalAdvance("0")
        # "12 of 12 tests passed" fits; a long note is cut here and shown whole in its tooltip.
        wide = {TESTS: 21, NOTES: 16}
        for column, title in enumerate(COLUMNS[:PROGRAM]):
            self.setColumnWidth(column, digit * max(len(title) + 3, wide.get(column, 0)))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.addActions(actions)
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def _current_changed(self, current, _previous) -> None:
        self.selected.emit(current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None)

    def current_index(self) -> int | None:
        current = self.currentIndex()
        return current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None

    def ranked_indices(self) -> list[int]:
        """Candidate indices in the order shown."""
        return [self.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(self.proxy.rowCount())]
