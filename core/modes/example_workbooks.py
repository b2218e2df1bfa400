"""Reading a table of examples from a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods) with
python-calamine: the first sheet that holds cells, each typed cell written as the text a CSV of
it would hold (a number as its value, not as its format shows it: 1250, not "1.250,00")."""

from __future__ import annotations

import datetime
from pathlib import Path

from core.modes.examples import names_expected
from core.user_error import UserError

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
# How a workbook's bytes begin, whatever its name: a zip (xlsx, ods) or an OLE file (xls).
_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def is_workbook(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in SUFFIXES or data.startswith(_SIGNATURES)


def sheet_rows(path: Path, notes: list[str]) -> list[list[str]]:
    """The cells of the workbook's first sheet that holds any, as text; the sheets left out are
    named in `notes`."""
    import python_calamine  # a workbook is rare: its reader loads only for one

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=True)) for name in workbook.sheet_names
        ]
    except Exception as exc:  # noqa: BLE001 - a damaged, encrypted or foreign file: the reader's own words
        reason = str(exc).strip() or type(exc).__name__
        raise UserError(f"examples file {path} could not be read as a workbook: {reason}") from None
    filled = [(name, cells) for name, cells in sheets if any(_text(value).strip() for row in cells for value in row)]
    if not filled:
        raise UserError(f"examples file {path} is a workbook with no filled cell")
    # The sheet that names the 'expected' column, where a "Read me" sheet comes first (probe 9).
    named = [(name, cells) for name, cells in filled if any(names_expected(_text(v)) for row in cells[:5] for v in row)]
    name, cells = (named or filled)[0]
    if len(filled) > 1:
        others = ", ".join(repr(other) for other, _ in filled if other != name)
        notes.append(f"the examples are read from the sheet {name!r}; the other sheets ({others}) are left out")
    rows = [[_text(value) for value in row] for row in cells]
    return [row for row in rows if any(cell.strip() for cell in row)]  # as a CSV's empty lines are


def _text(value: object) -> str:
    """A cell as a CSV of the sheet would hold it. Spreadsheets keep every number as a float, to
    the 15 digits they show at most: one without a fraction is written as an integer, a formula's
    11.899999999999999 as 11.9 (probe 9); a time as 12:30, a moment as 2025-03-04 12:30."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        shown = float(f"{value:.15g}")
        return str(int(shown)) if shown.is_integer() and abs(shown) < 1e16 else repr(shown)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second and not value.microsecond else "auto")
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="minutes" if not value.second and not value.microsecond else "auto")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)  # text, and a duration as 1:30:00
