"""Reading a table of examples from a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods) with
python-calamine: the first visible sheet that holds cells, each typed cell written as the text a
CSV of it would hold (a number as its value, not as its format shows it: 1250, not "1.250,00"),
and a cell merged over rows as its value in each of them."""

from __future__ import annotations

import dataclasses
import datetime
import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.modes.examples import names_expected
from core.user_error import UserError

if TYPE_CHECKING:
    from python_calamine import CalamineSheet

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
# How a workbook's bytes begin, whatever its name: a zip (xlsx, ods) or an OLE file (xls).
_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


# The reader's bounds: a sheet of examples is small; one that is not has a cell far from the table.
_MOST_SECONDS, _MOST_BYTES = 8, 2 << 30
_REFUSED = 3  # the child's exit status where the reader refused the file in words
_HUGE = (
    "a cell far from the table (a stray space, a format given to whole columns) may make its sheet huge;"
    " delete it, or save the examples as CSV"
)


def is_workbook(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in SUFFIXES or data.startswith(_SIGNATURES)


def sheet_rows(path: Path, notes: list[str]) -> list[list[str]]:
    """The cells of the workbook's first visible sheet that holds any, as text; the sheets left out
    are named in `notes`."""
    sheets = [sheet for sheet in _sheets_aside(path) if any(cell.strip() for row in sheet.rows for cell in row)]
    if not sheets:
        raise UserError(f"examples file {path} is a workbook with no filled cell")
    # A hidden sheet is an old copy or a lookup the person does not see (probe 10): read only
    # where no visible sheet holds cells.
    filled = [sheet for sheet in sheets if sheet.visible] or sheets
    # The sheet that names the 'expected' column, where a "Read me" sheet comes first (probe 9).
    named = [sheet for sheet in filled if any(names_expected(cell) for row in sheet.rows[:5] for cell in row)]
    chosen = (named or filled)[0]
    others = [repr(sheet.name) + ("" if sheet.visible else " (hidden)") for sheet in sheets if sheet is not chosen]
    if others:
        notes.append(
            f"the examples are read from the sheet {chosen.name!r}; the other sheets ({', '.join(others)}) are left out"
        )
    if chosen.merged_rows:
        notes.append(
            f"{chosen.merged_rows} cell{'s' if chosen.merged_rows > 1 else ''} merged over several rows:"
            " the merged value is read in each of its rows"
        )
    return [row for row in chosen.rows if any(cell.strip() for cell in row)]  # as a CSV's empty lines are


@dataclass(frozen=True)
class _Sheet:
    name: str
    visible: bool
    rows: list[list[str]]
    merged_rows: int  # the cells below a merged cell's top that hold its value


def _sheets_aside(path: Path) -> list[_Sheet]:
    """Every sheet's cells as text, read by python-calamine in a process of its own, within a
    memory and a time limit: a stray cell far from the table made it allocate 512 GiB and abort the
    app, or read for seconds (probe 10). A process, not a fork of this one, which may hold threads."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(path)], capture_output=True, timeout=_MOST_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise UserError(f"examples file {path} took over {_MOST_SECONDS} s to read as a workbook: {_HUGE}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if done.returncode == _REFUSED and said else f"its reader stopped. {_HUGE}"
        raise UserError(f"examples file {path} could not be read as a workbook: {reason}")
    return [_Sheet(**sheet) for sheet in json.loads(done.stdout)]


def _read(path: str) -> None:
    """The child's side of `_sheets_aside`: the sheets as JSON on standard output."""
    resource.setrlimit(resource.RLIMIT_AS, (_MOST_BYTES, _MOST_BYTES))
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        sheets = [
            _sheet(workbook.get_sheet_by_name(sheet.name), sheet.visible == python_calamine.SheetVisibleEnum.Visible)
            for sheet in workbook.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    except Exception as exc:  # noqa: BLE001 - a damaged, encrypted or foreign file: the reader's own words
        print(str(exc).strip() or type(exc).__name__, file=sys.stderr)
        sys.exit(_REFUSED)
    json.dump([dataclasses.asdict(sheet) for sheet in sheets], sys.stdout)


def _sheet(sheet: CalamineSheet, visible: bool) -> _Sheet:
    """A sheet's cells as text, a cell merged over rows in each of them: a spreadsheet keeps its
    value in the top row only, where a person sees it in every row (a rate for a group, probe 10).
    A merge across columns (a title over the table) stays in its first cell."""
    rows = [[_text(value) for value in row] for row in sheet.to_python(skip_empty_area=True)]
    top, left = sheet.start or (0, 0)
    merged_rows = 0
    for (first, column), (last, last_column) in sheet.merged_cell_ranges or []:
        if column != last_column or not 0 <= first - top < len(rows) or column < left:
            continue
        value = rows[first - top][column - left] if column - left < len(rows[first - top]) else ""
        for row in rows[first - top + 1 : last - top + 1]:
            # A spacer row the merge spans stays empty, and is left out as one (probe 12).
            if column - left < len(row) and not row[column - left] and any(cell.strip() for cell in row):
                row[column - left] = value
                merged_rows += 1
    return _Sheet(sheet.name, visible, rows, merged_rows)


def _text(value: object) -> str:
    """A cell as a CSV of the sheet would hold it. Spreadsheets keep every number as a float, to
    the 15 digits they show at most: one without a fraction is written as an integer, a formula's
    11.899999999999999 as 11.9 (probe 9); a time as 12:30, a moment as 2025-03-04 12:30, a
    duration as 36:30."""
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
    if isinstance(value, datetime.timedelta):
        return _duration(value)
    return str(value)


def _duration(value: datetime.timedelta) -> str:
    """A duration as a sheet's [h]:mm shows it, 36:30 (str() writes '1 day, 12:30:00', probe 16),
    with its seconds where it has any."""
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, minutes, seconds = seconds // 3600, seconds // 60 % 60, seconds % 60
    return f"{sign}{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


if __name__ == "__main__":
    _read(sys.argv[1])
