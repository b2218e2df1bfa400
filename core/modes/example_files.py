"""Reading a table of examples as people save or copy them: a CSV from any spreadsheet (comma,
semicolon or tab between cells, decimal commas where cells are separated by semicolons, cells over
several lines), cells copied from a spreadsheet (tabs between them) or a web page, a Markdown or
lined-up table, one copied from a PDF one cell a line, examples noted one a line
(core.modes.example_arrows), a workbook (core.modes.example_workbooks) or JSON. What was read in a
way the user may not expect is said in `Table.notes`."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from core.displayable import first_few, one_line
from core.modes import (
    example_arrows,
    example_decimals,
    example_drawn,
    example_encodings,
    example_json,
    example_surroundings,
    example_web_cells,
    example_workbooks,
)
from core.modes.example_cells import (
    SHEET_BOOLEANS,
    numbers_written_out,
    reads_as_number,
    reads_as_text,
)
from core.modes.examples import MOST_COLUMNS, MOST_EXAMPLES, names_expected
from core.user_error import UserError, read_bytes


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]  # cell texts, as build_spec reads them
    description: str = ""
    notes: list[str] = field(default_factory=list)


_MOST_LINES = 5 * MOST_EXAMPLES  # lines a table of the most examples may take, its cells over several lines
_MOST_PDF_COLUMNS = 20  # where the line naming 'expected' is looked for, in a table copied one cell a line
# A column's name as a person writes it ("Price (€)", "Temp (°C)", "#"), not YAML's "expected: 30" nor a list's "- price".
_PLAIN_NAME = re.compile(r"^[^\s:\-*•][^:]*$")
# Columns lined up with spaces: two or more between cells (one is a space inside a cell).
_LINED_UP = re.compile(r" {2,}")
# A number as Excel's General format shows one of 12 or more digits: "4.11111E+15".
_EXCEL_SHORTENED = re.compile(r"^\d\.\d{1,5}E\+(1[1-9]|[2-9]\d)$")
# An amount as Excel's accounting format pads it on both sides: " $ 1,250.00 ", zero " $ -   ".
_ACCOUNTING = re.compile(r"^[$€£¥]\s*(\(?\d[\d.,]*\)?|-)$|^(\(?\d[\d.,]*\)?|-)\s*[$€£¥]$")
# How people write that a number is missing.
_MISSING = frozenset({"n/a", "na", "null", "-", "–", "—", "n.a.", "k.a."})
_WRITTEN_OUT = "the answers are their inputs' numbers written out (as 3.50 for 3.5): read as text, as written"


def read_table(path: Path) -> Table:
    data = read_bytes(path, "examples file")
    if example_workbooks.is_workbook(path, data):
        notes: list[str] = []
        rows = example_workbooks.sheet_rows(path, notes)
        framed, written = example_surroundings.without_frame(rows, [""] * len(rows), notes)
        return _tidied(framed, written, notes)
    text, notes = example_encodings.decoded(data, path)
    if path.suffix.lower() == ".json":
        header, rows, description = example_json.table_parts(text, path)
        table = Table(header, rows, description)
    else:
        table = table_from_text(text, str(path))
    table.notes[:0] = notes
    return table


def table_from_text(text: str, source: str) -> Table:
    """The rows of CSV text (a file named `source`, or cells copied from a spreadsheet), the first
    of them in `header`."""
    # The line of column names sets the columns (the first line that names 'expected', else the first
    # line): what separates its cells separates every row's (a comma where counts tie). Only the
    # separator is guessed: quoting stays the spreadsheets' double quote, so a cell such as
    # "['a', 'b']" keeps its Python quotes.
    notes: list[str] = []
    if unicodedata.normalize("NFC", text) != text:
        # macOS saves "ë" as "e" and a combining diaeresis: len("Zoë") was 4 where a person sees 3.
        text = unicodedata.normalize("NFC", text)
        notes.append("letters written as a letter and a separate accent (as macOS saves them) are read as one letter")
    text = example_surroundings.table_alone(text, notes)
    if re.match(r"\s*(\{|\[\s*\{)", text) and text.rstrip()[-1:] in "}]":  # JSON pasted, or saved as .txt (probe 9)
        header, rows, description = example_json.table_parts(text, Path(source))
        return Table(header, rows, description, notes)
    # Refused at once: reading 100,000 rows first took 4 s (probe 12); after JSON, whose rows take
    # many lines (a review), and not counting the empty rows a spreadsheet saves below a table (",,",
    # probe 13).
    if text.count("\n") > _MOST_LINES:
        filled = sum(1 for line in text.splitlines() if line.strip(" ,;\t"))
        if filled > _MOST_LINES:
            raise UserError(
                f"{source} holds {filled:,} lines: a candidate's run can check at most {MOST_EXAMPLES}"
                " examples; keep the ones that show the rule"
            )
    # A title line above the table may name "expected" too: the line of names has a separator.
    first = next((line for line in text.splitlines() if "expected" in line.lower() and _separates(line)), None)
    first = first or next((line for line in text.splitlines() if line.strip()), "")
    text = example_surroundings.without_sign_off(text, first, notes)
    noted = example_arrows.noted_rows(text, notes)
    if noted is not None:
        return _tidied(noted, [""] * len(noted), notes)
    delimiter = example_surroundings.separator_of(first)
    if first.count(delimiter) == 0:
        rows, written = _without_separators(text, source, notes)
    else:
        text = example_surroundings.without_notes_below(text, delimiter, notes)
        rows, written = _separated(text, source, delimiter)
    if not rows:
        raise UserError(f"{source} is empty")
    rows, written = example_surroundings.without_frame(rows, written, notes)
    if example_decimals.writes_decimal_commas(rows, delimiter):
        decimal = example_decimals.with_decimal_points(rows, notes)
        _answers_as_written(decimal, rows, notes)  # judged on the numbers read, quoted as the file writes them
        if decimal != rows:
            separated = (
                "semicolons" if delimiter == ";" else "tabs, and every comma in their numbers stands between digits"
            )
            notes.append(
                f"cells are separated by {separated}, so a comma between digits is read as a decimal point"
                " (and dots between groups of three digits, as in 1.250,00, as thousands separators)"
            )
        rows = decimal
    return _tidied(rows, written, notes)


def _tidied(rows: list[list[str]], written: list[str], notes: list[str]) -> Table:
    """The table of `rows` (the column names first) as build_spec reads it: the cells a person
    reads otherwise than Python would written as they are meant, each change in `notes`."""
    if max(map(len, rows)) > MOST_COLUMNS:  # no time spent on cells no function could take (probe 12)
        raise UserError(
            f"a row holds {max(map(len, rows)):,} cells: keep at most {MOST_COLUMNS - 1} inputs and 'expected'"
        )
    rows = example_drawn.without_numbering(example_surroundings.without_units(rows, notes), notes)
    if len(rows) <= MOST_EXAMPLES + 1:  # build_spec refuses a longer table: no time spent on its cells
        rows[1:] = example_web_cells.invisible_spaces(rows, notes)
        rows[1:] = example_web_cells.footnote_marks(rows, notes)
        rows[1:] = _edge_spaces(rows, written, notes)
        rows[1:] = _words_in_text(rows, notes)
        rows[1:] = _missing_numbers(rows, notes)
        _shortened_numbers(rows, notes)
        _merged_cells(rows, notes)
    _answers_as_written(rows, rows, notes)
    return Table(rows[0], rows[1:], notes=notes)


def _answers_as_written(rows: list[list[str]], given: list[list[str]], notes: list[str]) -> None:
    """Where the answers of `rows` are their inputs' numbers written out (3.50 for 3.5), each answer
    as text, quoted as `given` (the file's own cells) writes it."""
    if numbers_written_out(rows[1:]):
        for row, written in zip(rows[1:], given[1:]):
            row[-1] = repr(written[-1].strip())
        notes.append(_WRITTEN_OUT)


def _separated(text: str, source: str, delimiter: str) -> tuple[list[list[str]], list[str]]:
    """The rows of a table whose cells `delimiter` separates, and each row's own lines (to tell its
    quoted cells). The whole text goes through one reader: a quoted cell may hold a line break."""
    # A phone types “curly” quotes around a cell that holds a comma: as a CSV's quotes (probe 9).
    mark = re.escape(delimiter)
    cell = f'[^“”"\\n{mark}]*{mark}[^“”"\\n]*'  # one that holds the separator, which needs the quotes
    text = re.sub(f"(^|{mark})([ \\t]*)“({cell})”(?=[ \\t]*({mark}|\\r?$))", r'\1\2"\3"', text, flags=re.M)
    lines = list(io.StringIO(text, newline=""))
    # A table typed by hand puts a space after each separator, and then quotes a cell holding one
    # ("Lee, Ann", "Leeds, UK"): csv reads such a quote as text unless told to skip the space
    # (probe 8). A spreadsheet writes no such space, and keeps spaces that begin a cell.
    typed = re.search(f'{re.escape(delimiter)} +"', text) is not None
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=typed)
    rows, written, start = [], [], 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append([cell.replace("\r\n", "\n") for cell in row])  # a line break in a cell, as Windows saves it
                written.append("".join(lines[start : reader.line_num]))
            start = reader.line_num
    except csv.Error as exc:  # a cell over csv.field_size_limit(), 131,072 characters
        raise UserError(f"{source} could not be read as a table: {exc}") from None
    return rows, written


def _without_separators(text: str, source: str, notes: list[str]) -> tuple[list[list[str]], list[str]]:
    """The rows of a table with no comma, semicolon or tab between its cells: one pasted from a
    chat in Markdown (| a | b |, a |---| line under the names; a table a tool drew is read as one,
    core.modes.example_drawn), or one lined up with spaces (two or more between columns). Both
    were refused for a last column "not named 'expected'" (probe 6)."""
    lines = [line for line in text.splitlines() if line.strip()]
    # The line under the column names, only: a later row of "-" cells is a row of missing values.
    rules = [at == 1 and example_surroundings.is_markdown_rule(line) for at, line in enumerate(lines)]
    # A Markdown table, with pipes at the edges or (as chats also write it) only between cells.
    if (
        lines
        and all("|" in line for line in lines)
        and (all(line.strip().startswith("|") for line in lines) or any(rules))
    ):
        rows = [[_unmarked(cell.strip()) for cell in line.strip().strip("|").split("|")] for line in lines]
        kept = [(row, line) for row, line, rule in zip(rows, lines, rules) if not rule]
        return [row for row, _ in kept], [line for _, line in kept]
    rows = example_drawn.without_index(
        [_LINED_UP.split(line.strip()) for line in lines], lines[0] if lines else "", notes
    )
    if len(rows) > 1 and len(rows[0]) > 1 and all(len(row) == len(rows[0]) for row in rows):
        return rows, lines
    # Copied from a PDF, a table comes one cell a line: the names, 'expected' last, then the rows (probe 11).
    width = 1 + next((at for at, line in enumerate(lines[:_MOST_PDF_COLUMNS]) if names_expected(line.strip())), -1)
    names = [line.strip() for line in lines[:width]]
    plain = all(_PLAIN_NAME.match(name) for name in names)  # "expected: 30.00" is YAML's, "- price" a list's
    if width > 1 and plain and len(lines) > width and len(lines) % width == 0:
        notes.append(f"each line holds one cell, as a table copied from a PDF does: every {width} lines are a row")
        cells = [line.strip() for line in lines]
        return [cells[at : at + width] for at in range(0, len(cells), width)], [""] * (len(cells) // width)
    if len(lines) > 1:
        raise UserError(
            f"{source}: no commas, semicolons or tabs separate the cells; save it as CSV from the spreadsheet,"
            " or put a comma between the cells of each line"
        )
    return rows, lines


def _edge_spaces(rows: list[list[str]], written: list[str], notes: list[str]) -> list[list[str]]:
    """The data rows, with a text cell that has spaces at its edges written as a Python string when
    they are part of the text: always when its row, as `written` in the file, quotes the cell, and
    in a file not padded for layout (`_padded_for_layout`), as a spreadsheet saves "  Anne "
    unquoted. Cells are read stripped, so only the quotes keep the spaces, and they show the user
    that the spaces are there. In a padded file, unquoted spaces are layout and dropped."""
    header, layout = [h.strip() for h in rows[0]], _padded_for_layout(rows)
    kept, dropped, body = [], [], []
    for r, row in enumerate(rows[1:], start=1):
        body.append(list(row))
        for c, cell in enumerate(row):
            stripped = cell.strip()
            if cell == stripped:
                continue
            quoted = f'"{cell.replace(chr(34), chr(34) * 2)}"' in written[r]
            # A number padded with spaces inside quotes is text as written: an amount lined up on the right.
            padded = quoted and cell.strip(" ") == stripped and reads_as_number(stripped)
            if stripped and not reads_as_text(stripped) and not padded:
                continue
            where = f"row {r}, column {header[c] if c < len(header) else c + 1!r}: {one_line(repr(cell), 60)}"
            if quoted or (stripped and not layout):
                body[-1][c] = repr(cell)
                kept.append(where)
            elif cell.startswith("  ") or cell.endswith("  "):  # more than a typed ", "
                dropped.append(where)
    if kept:
        notes.append(
            f"the spaces at the edges of {_cells(kept)} are kept as part of the text, so the cell is shown in"
            " quotes; delete the quotes and the spaces if they are not meant"
        )
    if dropped:
        notes.append(
            "spaces around cells are read as layout, as the file puts them around headings or numbers or after"
            f" every separator, so the spaces at the edges of {_cells(dropped)} are dropped; to keep them, put"
            ' the cell in double quotes, e.g. "  Anne "'
        )
    return body


def _words_in_text(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The data rows, with the words None, True and False written as text where the other cells of
    their column are text: an allergy of "None" is the word, which Python would read as nothing
    (probe 5). JSON files say which they mean, and do not come here."""
    header, body = [h.strip() for h in rows[0]], [list(row) for row in rows[1:]]
    words: list[str] = []
    for c in range(len(header)):
        cells = [(r, row[c].strip()) for r, row in enumerate(body, start=1) if c < len(row) and row[c].strip()]
        if not any(reads_as_text(cell) for _, cell in cells):
            continue
        for r, cell in cells:
            if cell.lower() in ("none", "true", "false") or cell in SHEET_BOOLEANS:
                body[r - 1][c] = repr(cell)
                words.append(f"row {r}, column {header[c]!r}")
    if words:
        notes.append(f"None, True and False in a column of text are read as words ({first_few(words)})")
    return body


def _missing_numbers(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The data rows, with a number left out as people write one (N/A, n/a, null, -) read as None
    where the other cells of its column are numbers: the column was typed `object`, with no word
    of why (probe 8)."""
    header, body, places = rows[0], [list(row) for row in rows[1:]], []
    for c in range(len(header) - 1):  # an answer of N/A may be the text to return
        cells = [row[c].strip() for row in body if c < len(row) and row[c].strip()]
        missing = [cell for cell in cells if cell.lower() in _MISSING]
        if (
            missing
            and len(missing) < len(cells)
            and all(reads_as_number(cell) for cell in cells if cell not in missing)
        ):
            for r, row in enumerate(body, start=1):
                if c < len(row) and row[c].strip().lower() in _MISSING:
                    row[c] = "None"
                    places.append(f"row {r}, column {header[c].strip()!r}")
    if places:
        notes.append(f"N/A, null or - among numbers is read as None, no value ({first_few(places)})")
    return body


def _merged_cells(rows: list[list[str]], notes: list[str]) -> None:
    """Says where an input column of text has empty cells each under a filled one, as a spreadsheet
    saves a merged cell (its value in the top row only): they are read as empty text, which a
    person meant as the value above."""
    header, body = [h.strip() for h in rows[0]], rows[1:]
    for c in range(len(header) - 1):
        cells = [row[c].strip() if c < len(row) else "" for row in body]
        empty = [r for r, cell in enumerate(cells) if not cell]
        filled = [cell for cell in cells if cell]
        if not empty or not filled or not all(reads_as_text(cell) for cell in filled) or not cells[0]:
            continue
        rows_of = ", ".join(str(r + 1) for r in empty[:5]) + (", ..." if len(empty) > 5 else "")
        notes.append(
            f"{len(empty)} empty cell{'' if len(empty) == 1 else 's'} in column {header[c]!r}"
            f" (row{'' if len(empty) == 1 else 's'} {rows_of}) read as empty text: if a cell belongs with"
            " the one above it (a merged cell), write it in each row"
        )


def _padded_for_layout(rows: list[list[str]]) -> bool:
    """Whether the file pads cells with spaces for looks: around a heading or a number (which no
    spreadsheet saves but in an accounting format), or after every separator (typed as "2, 4, 6")."""
    padded = [cell.strip() for row in rows[1:] for cell in row if cell != cell.strip() and cell.strip()]
    if any(h != h.strip() for h in rows[0]) or any(
        not reads_as_text(cell) or _ACCOUNTING.match(cell) for cell in padded
    ):
        return True
    later = [cell for row in rows[1:] for cell in row[1:] if cell.strip()]
    return bool(later) and all(cell.startswith(" ") for cell in later)


def _cells(places: list[str]) -> str:
    return f"{len(places)} text cell{'' if len(places) == 1 else 's'} ({first_few(places)})"


def _shortened_numbers(rows: list[list[str]], notes: list[str]) -> None:
    """Says where a long number looks as Excel shows and saves one in a General column, six digits
    and an exponent (a card number 4111111111111111 as 4.11111E+15): its other digits are lost."""
    places = [
        f"row {r}, column {rows[0][c].strip()!r}: {cell.strip()}"
        for r, row in enumerate(rows[1:], start=1)
        for c, cell in enumerate(row)
        if c < len(rows[0]) and _EXCEL_SHORTENED.match(cell.strip())
    ]
    if places:
        notes.append(
            f"{first_few(places)}: a long number that a spreadsheet shortened looks so, its last digits lost;"
            " if it is a code or an ID, format the column as Text in the spreadsheet and save it again"
        )


def _unmarked(cell: str) -> str:
    """A Markdown cell without the marks a chat writes around it: `code`, **bold**, __bold__."""
    for mark in ("`", "**", "__"):
        dunder = mark == "__" and cell.isidentifier()  # __init__ is a name, not bold
        if len(cell) > 2 * len(mark) and cell.startswith(mark) and cell.endswith(mark) and not dunder:
            return cell[len(mark) : -len(mark)].strip()
    return cell


def _separates(line: str) -> bool:
    return any(mark in line for mark in ",;\t")
