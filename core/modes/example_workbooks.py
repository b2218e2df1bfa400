"""Reading a table of examples from a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods) with
python-calamine: the first sheet that holds cells, each typed cell written as the text a CSV of
it would hold (a number as its value, not as its format shows it: 1250, not "1.250,00")."""

from __future__ import annotations

import datetime
import json
import resource
import subprocess
import sys
from pathlib import Path

from core.modes.examples import names_expected
from core.user_error import UserError

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
    """The cells of the workbook's first sheet that holds any, as text; the sheets left out are
    named in `notes`."""
    filled = [(name, rows) for name, rows in _sheets_aside(path) if any(cell.strip() for row in rows for cell in row)]
    if not filled:
        raise UserError(f"examples file {path} is a workbook with no filled cell")
    # The sheet that names the 'expected' column, where a "Read me" sheet comes first (probe 9).
    named = [(name, rows) for name, rows in filled if any(names_expected(cell) for row in rows[:5] for cell in row)]
    name, rows = (named or filled)[0]
    if len(filled) > 1:
        others = ", ".join(repr(other) for other, _ in filled if other != name)
        notes.append(f"the examples are read from the sheet {name!r}; the other sheets ({others}) are left out")
    return [row for row in rows if any(cell.strip() for cell in row)]  # as a CSV's empty lines are


def _sheets_aside(path: Path) -> list[tuple[str, list[list[str]]]]:
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
    return [(str(name), rows) for name, rows in json.loads(done.stdout)]


def _read(path: str) -> None:
    """The child's side of `_sheets_aside`: the sheets as JSON on standard output."""
    resource.setrlimit(resource.RLIMIT_AS, (_MOST_BYTES, _MOST_BYTES))
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=True)) for name in workbook.sheet_names
        ]
    except Exception as exc:  # noqa: BLE001 - a damaged, encrypted or foreign file: the reader's own words
        print(str(exc).strip() or type(exc).__name__, file=sys.stderr)
        sys.exit(_REFUSED)
    json.dump([(name, [[_text(value) for value in row] for row in cells]) for name, cells in sheets], sys.stdout)


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


if __name__ == "__main__":
    _read(sys.argv[1])
