"""The examples table: one column per input, then "expected"; rows are examples. A bad cell is
shaded with its reason as tooltip, and every problem is listed under the table."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.modes.examples import CellError
from desktop_app import theme
from desktop_app.plain_text import as_html

EXPECTED = "expected"
# A shaded cell's reason as written (its tooltip holds the same text made HTML-safe).
REASON = Qt.ItemDataRole.UserRole


class ExamplesTable(QWidget):
    changed = Signal()  # a cell, a row or a column changed
    notice = Signal(str)  # why a button did nothing

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 0, self)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellChanged.connect(lambda _r, _c: self.changed.emit())
        self.table.horizontalHeader().sectionDoubleClicked.connect(self._start_rename)
        self.add_row_button = QPushButton("Add example", self, clicked=self.add_row)
        self.remove_row_button = QPushButton("Remove example", self, clicked=self.remove_row)
        self.add_input_button = QPushButton("Add input", self, clicked=self.add_input)
        self.remove_input_button = QPushButton("Remove input", self, clicked=self.remove_input)
        self.rename_edit = QLineEdit(self, placeholderText="rename the selected input column")
        self.rename_edit.setToolTip("Double-click a column title to rename it here; press Enter to apply")
        self.rename_edit.returnPressed.connect(self.rename_current)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        # It quotes cells, which may hold a value a candidate returned (an answered question).
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setStyleSheet(f"color: {theme.FAIL}")
        self.problems.hide()
        buttons = QHBoxLayout()
        for widget in (self.add_row_button, self.remove_row_button, self.add_input_button, self.remove_input_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.rename_edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.problems)
        self.set_table(["x", EXPECTED], [["", ""]])

    # -- contents ------------------------------------------------------------------------------

    def header(self) -> list[str]:
        return [self.table.horizontalHeaderItem(c).text() for c in range(self.table.columnCount())]

    def cells(self) -> list[list[str]]:
        """Every cell's text, as typed, blank rows too."""
        columns = range(self.table.columnCount())
        return [[self._cell(r, c).text() for c in columns] for r in range(self.table.rowCount())]

    def rows(self) -> list[list[str]]:
        """The examples: rows with something typed in them (a blank row is a spare to type into)."""
        return [row for row in self.cells() if any(t.strip() for t in row)]

    def row_numbers(self) -> list[int]:
        """Table row of each of `rows()`, since errors count only the rows that are not blank."""
        return [r for r, row in enumerate(self.cells()) if any(t.strip() for t in row)]

    def set_table(self, header: list[str], rows: list[list[str]]) -> None:
        self.table.blockSignals(True)
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c in range(len(header)):
                self.table.setItem(r, c, QTableWidgetItem(row[c] if c < len(row) else ""))
        self.table.blockSignals(False)
        self.changed.emit()

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:  # a new row's cells exist only once something sets them
            self.table.blockSignals(True)
            item = QTableWidgetItem("")
            self.table.setItem(row, column, item)
            self.table.blockSignals(False)
        return item

    # -- editing -------------------------------------------------------------------------------

    def add_row(self) -> None:
        self.table.insertRow(self.table.rowCount())
        self.changed.emit()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        self.table.removeRow(row if row >= 0 else self.table.rowCount() - 1)
        self.changed.emit()

    def add_input(self) -> None:
        """A new input column just before "expected", with a name not used yet."""
        names = set(self.header())
        name = next(n for n in (f"x{i}" if i else "x" for i in range(len(names) + 1)) if n not in names)
        column = self.table.columnCount() - 1
        self.table.insertColumn(column)
        self.table.setHorizontalHeaderItem(column, QTableWidgetItem(name))
        self.changed.emit()

    def remove_input(self) -> None:
        """Removes the selected input column (else the last one); one input always stays."""
        inputs = self.table.columnCount() - 1
        if inputs <= 1:
            self.notice.emit("A function needs at least one input: rename this column instead.")
            return
        column = self.table.currentColumn()
        self.table.removeColumn(column if 0 <= column < inputs else inputs - 1)
        self.changed.emit()

    def _start_rename(self, column: int) -> None:
        if column == self.table.columnCount() - 1:
            return  # "expected" is the output, not a parameter
        self.table.setCurrentCell(max(self.table.currentRow(), 0), column)
        self.rename_edit.setText(self.header()[column])
        self.rename_edit.selectAll()
        self.rename_edit.setFocus()

    def rename_current(self) -> None:
        column = self.table.currentColumn()
        name = self.rename_edit.text().strip()
        if not 0 <= column < self.table.columnCount() - 1 or not name:
            self.notice.emit("Select a cell of an input column, then type its new name.")
            return
        self.table.horizontalHeaderItem(column).setText(name)
        self.changed.emit()

    # -- problems ------------------------------------------------------------------------------

    def show_problems(self, messages: list[str], cells: Sequence[CellError] = ()) -> None:
        """Shades the bad cells (a CellError's row counts `rows()`) and lists every problem,
        cells by their row in the table as the user sees it."""
        numbers, header = self.row_numbers(), self.header()
        bad = {}
        for error in cells:
            if error.row < len(numbers) and error.column in header:
                bad[numbers[error.row], header.index(error.column)] = (
                    error.reason
                )  # already in plain words (core.modes.examples)
        messages = list(messages) + [
            f"Row {r + 1}, column '{header[c]}': {reason}" for (r, c), reason in sorted(bad.items())
        ]
        self.table.blockSignals(True)
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item, reason = self._cell(r, c), bad.get((r, c))
                item.setBackground(QBrush(QColor(theme.FAIL_BACKGROUND)) if reason else QBrush())
                item.setData(REASON, reason)
                item.setToolTip(as_html(reason or ""))
        self.table.blockSignals(False)
        self.problems.setText("\n".join(messages))
        self.problems.setVisible(bool(messages))

    def problem_text(self) -> str:
        return self.problems.text() if not self.problems.isHidden() else ""

    def bad_cells(self) -> dict[tuple[int, int], str]:
        """(table row, column) -> reason of each shaded cell."""
        return {
            (r, c): self._cell(r, c).data(REASON)
            for r in range(self.table.rowCount())
            for c in range(self.table.columnCount())
            if self._cell(r, c).data(REASON)
        }
