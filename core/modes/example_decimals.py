"""Numbers as continental Europe writes them, in a file whose decimal mark is the comma: each cell's
number rewritten as Python writes it (2,5 is 2.5, 1.250,00 is 1250.00, 1 250,50 is 1250.50), a
dot before groups of three digits read as a thousands dot where the file shows it is one, and a
column of lists keeping its commas between items."""

from __future__ import annotations

import re

from core.modes.example_cells import DECIMAL_COMMA, EUROPEAN_NUMBER, number_text

# Numbers separated by commas, three or more: items of a list, which no decimal comma makes.
_ITEMS = re.compile(r"^[\[(]?\s*-?\d+(\.\d+)?(\s*,\s*-?\d+(\.\d+)?){2,}\s*[\])]?$")
# A comma before three digits: a decimal comma in Germany, a thousands comma in the US.
_THOUSANDS_OR_DECIMAL = re.compile(r"^[+-]?\d{1,3},\d{3}$")
# Thousands set apart with plain spaces and a decimal comma, where commas are decimal marks.
_SPACED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}( \d{3})+,\d+$")
# Thousands set apart with dots alone: 3.250, 3.250.000 (not 0.750); any number with a dot in it;
# a network address, 192.168.100.200.
_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+$")
_DOTTED = re.compile(r"^[+-]?\d+(\.\d+)+$")
_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})$")
_ADDRESS = re.compile(r"^(25[0-5]|2[0-4]\d|[01]?\d?\d)(\.(25[0-5]|2[0-4]\d|[01]?\d?\d)){3}$")


def writes_decimal_commas(rows: list[list[str]], delimiter: str) -> bool:
    """Whether a table whose cells `delimiter` separates writes decimals with commas. Where a comma
    is the decimal mark, spreadsheets separate cells with semicolons, and cells copied from them
    with tabs: there every comma in the cells stands between digits."""
    return delimiter == ";" or (delimiter == "\t" and _decimal_commas_only(rows[1:]))


def with_decimal_points(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The rows of a table that writes decimals with commas, each number written as Python writes it."""
    # A column that holds lists of numbers ("3,5,7") separates items with its commas, "2,4" too (probe 9).
    listed = {c for row in rows[1:] for c, cell in enumerate(row) if _ITEMS.match(cell.strip())}
    # In a file whose decimal mark is the comma, a dot before three digits separates thousands (3.250
    # is 3250, 3.250.000 too; probe 10), in a column where every number with a dot is written so,
    # unless the answers write a decimal point (43.24 beside a price of 3.459: a hand-typed file,
    # probe 13) and no number a decimal comma. Beside a time, a month or a version in another column
    # the dots stay thousands (probe 14); an address 192.168.001.010 and a date are no numbers.
    cells = [cell.strip() for row in rows[1:] for cell in row]
    points = any(_decimal_point_number(row[-1].strip()) for row in rows[1:] if row)
    commas = any(DECIMAL_COMMA.match(number_text(cell)) or EUROPEAN_NUMBER.match(number_text(cell)) for cell in cells)
    thousands = {
        c
        for c in range(len(rows[0]))
        if c not in listed
        and (commas or not points)
        and _thousands_column([row[c] for row in rows[1:] if c < len(row)])
    }
    return [
        [
            _items(cell) if c in listed else _decimal_point(cell, thousands_dots=c in thousands)
            for c, cell in enumerate(row)
        ]
        for row in rows
    ]


def _decimal_point_number(cell: str) -> bool:
    """Whether a cell is a number written with a decimal point: not 3.250, 12.03.2024 or an address."""
    return bool(_DOTTED.match(cell)) and not any(form.match(cell) for form in (_DOT_THOUSANDS, _ADDRESS, _DATE))


def _thousands_column(cells: list[str]) -> bool:
    dotted = [cell.strip() for cell in cells if _DOTTED.match(cell.strip())]
    return bool(dotted) and all(_DOT_THOUSANDS.match(cell) and not _ADDRESS.match(cell) for cell in dotted)


def _decimal_commas_only(rows: list[list[str]]) -> bool:
    """Whether every cell with a comma that holds no word is a number written with a decimal comma
    (2,5 or 1.250,00), and one at least cannot be a thousands comma (1,250 may be either: alone, it
    says nothing). A name "Müller, Anna" beside them says nothing of numbers (probe 8)."""
    with_comma = [
        number_text(cell.strip())
        for row in rows
        for cell in row
        if "," in cell and (DECIMAL_COMMA.match(cell.strip()) or not any(ch.isalpha() for ch in cell))
    ]
    decimal = all(DECIMAL_COMMA.match(c) or EUROPEAN_NUMBER.match(c) for c in with_comma)
    return bool(with_comma) and decimal and not all(_THOUSANDS_OR_DECIMAL.match(c) for c in with_comma)


def _items(cell: str) -> str:
    """A cell of a column of lists, its commas written as a list's ("2, 4"), not as a decimal mark."""
    return re.sub(r"\s*,\s*", ", ", cell.strip()) if re.fullmatch(r"[\d\s,.-]+", cell.strip()) else cell


def _decimal_point(cell: str, thousands_dots: bool) -> str:
    """A cell's number written with a decimal point where it has a decimal comma; `thousands_dots`:
    whether a dot before three digits alone separates thousands (3.250)."""
    stripped = number_text(cell.strip())
    if _DOT_THOUSANDS.match(stripped) and thousands_dots:
        return stripped.replace(".", "")
    if _SPACED_THOUSANDS.match(stripped):  # French: 1 250,50, typed with plain spaces
        return stripped.replace(" ", "").replace(",", ".")
    if EUROPEAN_NUMBER.match(stripped):
        return stripped.replace(".", "").replace(",", ".")
    return cell.replace(",", ".") if DECIMAL_COMMA.match(stripped) else cell
