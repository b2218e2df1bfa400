"""The examples table: one column per input, then "expected"; rows are examples. A bad cell is
shaded with its reason as tooltip, and every problem is listed under the table. Cells copied from
a spreadsheet paste in (Ctrl+V), and a CSV or JSON file opens as the table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.modes.example_cells import CellError
from core.modes.example_files import Table, read_table, table_from_text
from core.modes.examples import names_expected
from core.user_error import UserError
from desktop_app import theme
from desktop_app.plain_text import as_html

EXPECTED = "expected"
# A shaded cell's reason as written (its tooltip holds the same text made HTML-safe).
REASON = Qt.ItemDataRole.UserRole


TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.json *.xlsx *.xlsm *.xls *.xlsb *.ods);;All files (*)"


class ExamplesTable(QWidget):
    changed = Signal()  # a cell, a row or a column changed
    notice = Signal(str)  # why a button did nothing, or what a paste or a file did
    described = Signal(str)  # an opened file's description of the function

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
        # Not in the row of buttons below the table: its owner places it (desktop_app.examples_tab).
        self.open_button = QPushButton("Open table…", self, clicked=lambda: self.open_file())
        self.open_button.setToolTip(
            "Read the examples from a CSV or JSON file; cells copied from a spreadsheet paste in with Ctrl+V"
        )
        paste = QShortcut(QKeySequence.StandardKey.Paste, self.table, context=Qt.ShortcutContext.WidgetShortcut)
        paste.activated.connect(self.paste)  # a cell being edited pastes into itself
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

    # -- pasting and opening ---------------------------------------------------------------------

    def paste(self) -> None:
        """Cells copied from a spreadsheet (tabs between them) or CSV text. Whole examples with their
        column names (the last one "expected") become the table; other cells fill the table from
        the selected cell on, with new rows as needed."""
        try:
            block = table_from_text(QGuiApplication.clipboard().text(), "The clipboard")
        except UserError as exc:
            self.notice.emit(f"{exc}: copy some cells first.")
            return
        if len(block.header) > 1 and names_expected(block.header[-1]):
            self._take(block, "the pasted cells")
            return
        lines = [block.header, *block.rows]
        top, left = max(self.table.currentRow(), 0), max(self.table.currentColumn(), 0)
        width = max(map(len, lines))
        if left + width > self.table.columnCount():
            self.notice.emit(
                f"The pasted cells are {width} columns wide, but the table has {self.table.columnCount() - left} from the"
                " selected cell on: add inputs first, or select a cell further left."
            )
            return
        self.table.blockSignals(True)
        self.table.setRowCount(max(self.table.rowCount(), top + len(lines)))
        for r, line in enumerate(lines):
            for c, text in enumerate(line):
                self._cell(top + r, left + c).setText(text)
        self.table.blockSignals(False)
        self.changed.emit()

    def open_file(self, path: str | None = None) -> None:
        """Reads a table from a file (core.modes.example_files) in place of this one."""
        path = path or QFileDialog.getOpenFileName(self, "Open a table of examples", "", TABLE_FILTER)[0]
        if not path:
            return
        try:
            table = read_table(Path(path))
        except UserError as exc:
            self.notice.emit(f"Could not open the table: {exc}.")
            return
        if self._take(table, Path(path).name) and table.description:
            self.described.emit(table.description)

    def _take(self, table: Table, source: str) -> bool:
        """`table` in place of this one, unless a row has more cells than it has columns (those
        would be lost); says what was read in a way the user may not expect."""
        long = next((n for n, row in enumerate(table.rows, start=1) if len(row) > len(table.header)), None)
        if long is not None:
            self.notice.emit(
                f"Row {long} of {source} has more cells than there are column names; put a cell that holds a comma in quotes."
            )
            return False
        header = [h.strip() for h in table.header]
        if header[-1].lower() == EXPECTED:
            header[-1] = EXPECTED
        self.set_table(header, table.rows)
        read = f"Read {len(table.rows)} example{'' if len(table.rows) == 1 else 's'} from {source}"
        self.notice.emit("; ".join([read, *table.notes]) + ".")
        return True

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
                if item.data(REASON) == reason:
                    continue  # a long table's cells are mostly unchanged: only those that change are set
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
