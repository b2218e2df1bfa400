"""Tables of examples in workbooks (.xlsx, .ods), as a person saves them from Excel or
LibreOffice: typed cells read as their values, the first filled sheet, damaged files refused in
words."""

import datetime

import pytest

from core.modes.example_files import read_table
from core.modes.examples import build_spec
from core.user_error import UserError
from tests.workbooks import ods, xlsx


def values(table):
    spec = build_spec(table.header, table.rows, "")
    return [([c.value for c in inputs], expected.value) for inputs, expected in spec.rows], spec


def test_a_workbooks_numbers_are_their_values_whatever_their_format_shows(tmp_path):
    path = tmp_path / "prices.xlsx"
    path.write_bytes(
        xlsx({"Prices": [["Net", "Name", "expected"], [1250, "Müller, Anna", 1487.5], [3.5, " Bo ", 4.165]]})
    )
    table = read_table(path)
    rows, spec = values(table)
    assert rows == [([1250, "Müller, Anna"], 1487.5), ([3.5, " Bo "], 4.165)]
    assert spec.param_types == ["float", "str"]
    assert table.notes == [
        "the spaces at the edges of 1 text cell (row 2, column 'Name': ' Bo ') are kept as part of the text, so the"
        " cell is shown in quotes; delete the quotes and the spaces if they are not meant"
    ]


def test_the_first_filled_sheet_is_read_and_the_others_named(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx({"Empty": [], "Examples": [["word", "expected"], ["cat", 3]], "Old": [["x"], [1]]}))
    table = read_table(path)
    assert values(table)[0] == [(["cat"], 3)]
    assert table.notes == ["the examples are read from the sheet 'Examples'; the other sheets ('Old') are left out"]


def test_an_ods_and_a_workbook_saved_under_another_name_are_read(tmp_path):
    path = tmp_path / "words.ods"
    path.write_bytes(ods([["Word", None, "expected"], ["horse", None, 5], [None, None, None], ["ox", None, 2]]))
    table = read_table(path)
    assert values(table)[0] == [(["horse"], 5), (["ox"], 2)]
    assert table.notes == ["1 empty column(s) between the others are left out"]
    renamed = tmp_path / "words.txt"  # "All files" in the dialog: known by its first bytes
    renamed.write_bytes(xlsx({"Sheet1": [["word", "expected"], ["ox", 2]]}))
    assert values(read_table(renamed))[0] == [(["ox"], 2)]


def test_a_damaged_or_empty_workbook_is_refused_in_words(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(xlsx({"Sheet1": [["word", "expected"]]})[:200])
    with pytest.raises(UserError, match=r"could not be read as a workbook"):
        read_table(broken)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(xlsx({"Sheet1": []}))
    with pytest.raises(UserError, match="a workbook with no filled cell"):
        read_table(empty)


def test_a_workbooks_formulas_times_and_sheets_read_as_the_sheet_shows_them(tmp_path):
    """Probe 9: a formula's 11.899999999999999, a time as 12:30:00, a "Read me" sheet first."""
    from core.modes import example_workbooks

    assert [example_workbooks._text(v) for v in (10 * 1.19, 2.5 * 1.07, 1e20, 3.0)] == ["11.9", "2.675", "1e+20", "3"]
    import datetime

    moments = (datetime.time(12, 30), datetime.datetime(2025, 3, 4, 9, 5), datetime.time(1, 2, 3))
    assert [example_workbooks._text(v) for v in moments] == ["12:30", "2025-03-04 09:05", "01:02:03"]
    path = tmp_path / "book.xlsx"
    path.write_bytes(
        xlsx(
            {
                "Read me": [["How to use"], ["Type examples on the next sheet"]],
                "Examples": [["word", "expected"], ["ox", 2]],
            }
        )
    )
    table = read_table(path)
    assert values(table)[0] == [(["ox"], 2)]
    assert table.notes == ["the examples are read from the sheet 'Examples'; the other sheets ('Read me') are left out"]


def test_a_sheet_of_spaces_is_no_filled_sheet(tmp_path):
    # The review: a first sheet holding one space was taken, and reading it raised IndexError.
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx({"Blank": [["  "]], "Examples": [["word", "expected"], ["ox", 2]]}))
    assert values(read_table(path))[0] == [(["ox"], 2)]
    path.write_bytes(xlsx({"Blank": [["  "]]}))
    with pytest.raises(UserError, match="a workbook with no filled cell"):
        read_table(path)


def test_a_stray_cell_at_the_sheets_far_corner_is_refused_in_words_not_a_crash(tmp_path):
    # Probe 10: one cell at XFD1048576 made python-calamine allocate 512 GiB and abort the process
    # (the app with it); it reads in a process of its own now, within a memory and a time limit.
    import io
    import zipfile

    made = io.BytesIO(xlsx({"Sheet1": [["word", "expected"], ["ox", 2]]}))
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    out = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", far.encode())
            target.writestr(item, data)
    path = tmp_path / "stray.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(
        UserError, match="could not be read as a workbook: its reader stopped. a cell far from the table"
    ):
        read_table(path)


def test_a_hidden_sheet_is_left_out_and_a_cell_merged_over_rows_is_read_in_each(tmp_path):
    # An old copy hidden before the sheet the person sees (probe 10), and a rate merged over the
    # rows of its group, where the file keeps it in the top row only; a title merged across the
    # columns stays one title.
    path = tmp_path / "vat.xlsx"
    shown = [
        ["Prices 2025"],
        ["kind", "vat", "net", "expected"],
        ["book", 0.07, 10, 10.7],
        [None, None, 20, 21.4],
        ["wine", 0.19, 10, 11.9],
        [None, None, 20, 23.8],
    ]
    old = [["kind", "vat", "net", "expected"], ["book", 0.16, 10, 11.6]]
    path.write_bytes(
        xlsx(
            {"Old": old, "Prices": shown},
            hidden=frozenset({"Old"}),
            merged=("A1:D1", "A3:A4", "B3:B4", "A5:A6", "B5:B6"),
        )
    )
    table = read_table(path)
    rows, spec = values(table)
    assert rows == [
        (["book", 0.07, 10], 10.7),
        (["book", 0.07, 20], 21.4),
        (["wine", 0.19, 10], 11.9),
        (["wine", 0.19, 20], 23.8),
    ]
    assert table.notes[:2] == [
        "the examples are read from the sheet 'Prices'; the other sheets ('Old' (hidden)) are left out",
        "4 cells merged over several rows: the merged value is read in each of its rows",
    ]
    only_hidden = tmp_path / "hidden.xlsx"
    only_hidden.write_bytes(xlsx({"Empty": [], "Old": old}, hidden=frozenset({"Old"})))
    assert values(read_table(only_hidden))[0] == [(["book", 0.16, 10], 11.6)]


def test_a_duration_reads_as_the_sheet_shows_it_in_hours(tmp_path):
    # Probe 16: a cell formatted [h]:mm showing 36:30 was read as '1 day, 12:30:00'.
    path = tmp_path / "hours.xlsx"
    path.write_bytes(
        xlsx(
            {
                "Sheet1": [
                    ["Hours worked", "expected"],
                    [datetime.timedelta(hours=36, minutes=30), 730],
                    [datetime.timedelta(hours=8, minutes=15), 165],
                    [datetime.timedelta(minutes=5, seconds=30), 2],
                ]
            }
        )
    )
    table = read_table(path)
    assert [row[0] for row in table.rows] == ["36:30", "8:15", "0:05:30"]
