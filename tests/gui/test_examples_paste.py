"""The examples table takes what non-programmers have: cells copied from a spreadsheet (Ctrl+V)
and CSV or JSON files. Real widget, real clipboard (offscreen)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.examples_table import TABLE_FILTER, ExamplesTable
from tests.workbooks import xlsx


@pytest.fixture
def table(qtbot):
    widget = ExamplesTable()
    qtbot.addWidget(widget)
    widget.show()
    notices: list[str] = []
    widget.notice.connect(notices.append)
    widget.notices = notices  # type: ignore[attr-defined]  # what the tab would show in its message bar
    return widget


def press_paste(qtbot, table: ExamplesTable, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    table.table.setFocus()
    qtbot.waitUntil(table.table.hasFocus, timeout=2000)
    qtbot.keyClick(table.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_cells_copied_with_their_column_names_become_the_table(qtbot, table):
    press_paste(qtbot, table, "Unit price\tQuantity\tExpected\r\n2.50\t4\t10.0\r\n1.25\t2\t2.5\r\n")
    assert table.header() == ["Unit price", "Quantity", "expected"]
    assert table.rows() == [["2.50", "4", "10.0"], ["1.25", "2", "2.5"]]
    assert table.notices[-1] == "Read 2 examples from the pasted cells."


def test_cells_without_names_fill_from_the_selected_cell_adding_rows(qtbot, table):
    table.set_table(["km", "expected"], [["1", "0.62"]])
    table.add_row()
    table.table.setCurrentCell(1, 0)  # the new empty row; a row is added for the second pasted line
    press_paste(qtbot, table, "10\t6.21\n42.195\t26.22\n")
    assert table.rows() == [["1", "0.62"], ["10", "6.21"], ["42.195", "26.22"]]
    # Wider than the table from the selected cell: refused, nothing changed.
    table.table.setCurrentCell(0, 1)
    press_paste(qtbot, table, "5\t3.11\n")
    assert "2 columns wide, but the table has 1" in table.notices[-1]
    assert table.rows() == [["1", "0.62"], ["10", "6.21"], ["42.195", "26.22"]]
    press_paste(qtbot, table, "  \n")
    assert table.notices[-1] == "The clipboard is empty: copy some cells first."


def test_a_file_opens_as_the_table_with_its_description(qtbot, table, tmp_path):
    described: list[str] = []
    table.described.connect(described.append)
    path = tmp_path / "prices.json"
    path.write_text('{"description": "Price with VAT", "examples": [{"net": 10.00, "expected": 12.00}]}')
    table.open_file(str(path))
    assert table.header() == ["net", "expected"] and table.rows() == [["10.00", "12.00"]]
    assert described == ["Price with VAT"] and table.notices[-1] == "Read 1 example from prices.json."
    euro = tmp_path / "euro.csv"
    euro.write_bytes(b"price;expected\n19,99;23,99\n")
    table.open_file(str(euro))
    assert table.rows() == [["19.99", "23.99"]] and "decimal point" in table.notices[-1]
    book = tmp_path / "prices.xlsx"  # a workbook as Excel saves it, listed by the dialog's filter
    book.write_bytes(xlsx({"Sheet1": [["net", "expected"], [1250, 1487.5]]}))
    table.open_file(str(book))
    assert table.rows() == [["1250", "1487.5"]] and table.notices[-1] == "Read 1 example from prices.xlsx."
    assert "*.xlsx" in TABLE_FILTER and "*.ods" in TABLE_FILTER


def test_a_bad_file_or_a_row_too_long_changes_nothing(qtbot, table, tmp_path):
    table.set_table(["x", "expected"], [["2", "4"]])
    table.open_file(str(tmp_path / "missing.csv"))
    assert table.notices[-1].startswith("Could not open the table: examples file not found")
    long = tmp_path / "long.csv"
    long.write_text("text,expected\nhello, world,2\n")
    table.open_file(str(long))
    assert table.notices[-1] == (
        "Row 1 of long.csv has more cells than there are column names; put a cell that holds a comma in quotes."
    )
    assert table.rows() == [["2", "4"]]
