"""What surrounds a table of examples where people paste one from an e-mail, a chat or a sheet:
quoting marks, a code fence, the prose of a chat's answer around a Markdown table, a signature
below; titles above the column names, the names again, a row of units, a row of totals, empty
columns. Each is left out, and `notes` says so: it was read as rows, or made the table refused."""

from __future__ import annotations

import re

from core.displayable import one_line
from core.modes import example_drawn
from core.modes.example_arrows import ARROW
from core.modes.example_cells import number_text, reads_as_number
from core.modes.example_lines import MOST_REMARK_LINES, after_last_empty
from core.modes.examples import names_expected

# How an e-mail closes, on the line that follows the table and an empty line.
_SIGN_OFF = re.compile(
    r"^(sent from my|kind regards|best regards|regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely"
    r"|yours|mit freundlichen gr(ü|ue)(ß|ss)en|(viele|beste|liebe|herzliche) gr(ü|ue)(ß|ss)e|gru(ß|ss)|lg|danke"
    r"|von meinem \w+ gesendet|cordialement|bien (à|a) vous|merci|envoy(é|e) de mon|saludos|un saludo|gracias"
    r"|enviado desde mi|inviato da|cordiali saluti|grazie|met vriendelijke groet|groeten"
    r"|get outlook for|sent with|sent via)\b",
    re.IGNORECASE,
)
_MOST_SIGNATURE_LINES = 5  # "Best," a name, a title, a company, a phone's "Sent from"
# How a note under a table starts: a footnote's mark, or a word that says it is one.
_NOTE = re.compile(
    r"^([*†‡¹²³]|\(\d{1,2}\)|(note|notes|nb|n\.b\.|source|sources|hinweis|quelle|anmerkung|remarque|nota|fuente)\s*:)",
    re.IGNORECASE,
)
# What the last row of a spreadsheet that sums its examples is called.
_TOTALS = frozenset({"total", "totals", "sum", "grand total", "gesamt", "summe", "totaal", "total général", "totale"})
_LONGEST_UNIT = 12  # characters: "km/h", "kg", "EUR", "(cm)", "sq ft"
# A code fence, as a chat writes a table it quotes: ``` or ```csv.
_FENCE = re.compile(r"^\s*(```|~~~)[\w+-]*\s*$")
# A line under a Markdown table's column names: |---|:--:|, or |-|-| (probe 8).
_MARKDOWN_RULE = re.compile(r"^:?-+:?$|^$")


def table_alone(text: str, notes: list[str]) -> str:
    """`text` without the quoting, fences and prose around the table it holds."""
    return _markdown_table(example_drawn.as_markdown(_fenced(_unquoted(text, notes), notes), notes), notes)


def is_markdown_rule(line: str) -> bool:
    """Whether a line is the rule under a Markdown table's column names."""
    return "-" in line and all(_MARKDOWN_RULE.match(cell.strip()) for cell in line.strip().strip("|").split("|"))


def _unquoted(text: str, notes: list[str]) -> str:
    """A table quoted in an e-mail reply, every line starting with '>', without the quoting."""
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > 1 and all(
        line.startswith(">") for line in lines if line.strip()
    ):
        notes.append("every line starts with '>', as a quoted e-mail's do: the marks are left out")
        return "\n".join(re.sub(r"^(>\s?)+", "", line) for line in lines)
    return text


def _fenced(text: str, notes: list[str]) -> str:
    """The lines between a chat's code fences (a closing ``` was refused as a row of one cell,
    probe 8), and what was written around them in a note."""
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if _FENCE.match(line)]
    if not fences:
        return text
    start, end = (fences[0] + 1, fences[1]) if len(fences) > 1 else (0, len(lines))
    fence = set(fences)  # looked up for every line: a list made 20,000 fence lines take 1.6 s (probe 12)
    outside = [line for i, line in enumerate(lines) if (i < start or i >= end) and i not in fence]
    _outside(outside, "around the code fences", notes)
    return "\n".join(line for i, line in enumerate(lines[start:end], start) if i not in fence)


def _markdown_table(text: str, notes: list[str]) -> str:
    """A Markdown table without a chat's prose above and below it ("Here you go:"), which made the
    table refused for cells no comma separates, or split at the prose's commas (probe 8)."""
    lines = text.splitlines()
    rule = next((i for i in range(1, len(lines)) if "|" in lines[i - 1] and is_markdown_rule(lines[i])), None)
    if rule is None:
        return text
    start, end = rule - 1, rule + 1
    while end < len(lines) and "|" in lines[end]:
        end += 1
    _outside(lines[:start] + lines[end:], "around the Markdown table", notes)
    return "\n".join(lines[start:end])


def _outside(lines: list[str], where: str, notes: list[str]) -> None:
    written = " ".join(line.strip() for line in lines if line.strip())
    if written:
        notes.append(f"{one_line(written, 60)!r}, {where}, is left out")


def without_sign_off(text: str, header: str, notes: list[str]) -> str:
    """`text` up to a greeting that closes an e-mail below the table ("Kind regards, Maria"),
    which read as one more example."""
    lines = text.splitlines()
    start = lines.index(header) if header in lines else 0
    # A signature is the last few lines: only they are looked at, which keeps a long paste quick (probe 11).
    last = [at for at, line in enumerate(lines) if line.strip()][-_MOST_SIGNATURE_LINES:]
    for at in (at for at in last if at > start):
        # After an empty line, at the end, without a number: a row "Best,2" is an example.
        below = [line for line in lines[at:] if line.strip()]
        closing = not any(ch.isdigit() for ch in lines[at])  # a phone number may follow the name
        # Not "thanks -> THANKS", nor "Thanks,Danke" as wide as the names (probe 12).
        signed = _SIGN_OFF.match(lines[at].strip()) and not ARROW.search(lines[at]) and not _row_of(lines[at], header)
        if not lines[at - 1].strip() and signed and closing:
            signature = " ".join(line.strip() for line in below)
            notes.append(f"{one_line(signature, 60)!r}, below the table, is read as a signature and left out")
            return "\n".join(lines[:at])
    return text


def separator_of(line: str) -> str:
    """What separates the cells of a line of names: the comma, semicolon or tab it holds most (the
    comma where they tie)."""
    return max(",;\t", key=lambda mark: (line.count(mark), mark == ","))


def _row_of(line: str, header: str, typed: bool = False, filled: bool = True) -> bool:
    """Whether `line` holds as many cells as the line of names `header` holds names, `filled` each,
    written as a file writes a cell (or, `typed`, by hand: after ", "): "Thanks,Danke" is a row,
    "Kind regards, Maria" a sign-off, and "*,,True" a row too (a review)."""
    mark = separator_of(header)
    cells = line.split(mark)
    written = all((cell.strip() or not filled) and (typed or cell == cell.strip()) for cell in cells)
    return header.count(mark) > 0 and len(cells) == header.count(mark) + 1 and written


def _fits(line: str, above: list[str], header: str) -> bool:
    """Whether `line`'s cells are numbers in every column where the rows `above` hold numbers."""
    mark = separator_of(header)
    rows = [row.split(mark) for row in above if row.count(mark) == header.count(mark)][1:]
    cells = line.split(mark)
    numeric = [c for c in range(len(cells)) if rows and all(reads_as_number(row[c].strip()) for row in rows)]
    return all(reads_as_number(cells[c].strip()) for c in numeric)


def without_notes_below(text: str, delimiter: str, notes: list[str]) -> str:
    """`text` without a note under the table: lines that start as notes do ("* prices incl. VAT",
    "Note: in EUR, with VAT"), and a few lines with no cell separator after an empty line
    ("Source: my sheet"); either was refused as a row of one cell or read as an example (probes 11, 12)."""
    lines = text.rstrip().splitlines()
    names = next((line for line in lines if delimiter in line), "")
    end = len(lines)
    # Not a row that starts so, "*,star" or "* Oat milk, 2.49, 4.98", unless after an empty line or
    # with text where the others have numbers ("* incl. VAT, excl. shipping", probe 14).
    while end > 2 and _NOTE.match(lines[end - 1].strip()):
        line = lines[end - 1]
        fits = _row_of(line, names, typed=True, filled=False) and _fits(line, lines[: end - 1], names)
        if fits and lines[end - 2].strip():
            break
        end -= 1
    block = after_last_empty(lines[:end])
    if block is not None:
        empty, below = block
        above = [line for line in lines[:empty] if delimiter in line]
        if (
            len(below) <= MOST_REMARK_LINES
            and len(above) >= 2
            and not any(delimiter in line or ARROW.search(line) for line in below)
        ):
            end = empty
    if end == len(lines):
        return text
    _outside(lines[end:], "below the table", notes)
    return "\n".join(lines[:end])


def without_frame(rows: list[list[str]], written: list[str], notes: list[str]) -> tuple[list[list[str]], list[str]]:
    """The rows (and their lines as `written`) without what spreadsheets put around a table: title
    lines of one cell above the column names, where a later line names the 'expected' column, and
    empty columns on the right (Excel's "," after a column it formatted, a tab at the end of each
    copied line). Each made the table refused for a last column not named 'expected' (probe 5)."""
    named = next((r for r, row in enumerate(rows) if any(names_expected(cell) for cell in row) and _filled(row) > 1), 0)
    # Above the names: titles of one cell, and lines of words without a number that cannot be a
    # row of the table: a greeting that ends in a colon, "Hi Tom, here you go:", or a row naming
    # groups of columns, "Inputs,,Output" (probe 8). A row as wide as the names may be the header
    # itself, above a row whose answer starts with "expected" (the review).
    if named and all(_titled(row, _filled(rows[named])) for row in rows[:named]):
        titles = [", ".join(cell.strip() for cell in row if cell.strip()) for row in rows[:named]]
        notes.append(f"{', '.join(map(repr, titles))}, above the column names, is read as a title")
        rows, written = rows[named:], written[named:]
    names = _as_names(rows[0])
    repeats = [r for r, row in enumerate(rows) if r and _as_names(row) == names]
    if repeats:  # the column names again, as a sheet pasted twice or a print with a header per page has them
        notes.append(f"the column names again, in row {', '.join(str(r) for r in repeats)}, are left out")
        rows = [row for r, row in enumerate(rows) if r not in repeats]
        written = [line for r, line in enumerate(written) if r not in repeats]
    width = max(map(len, rows))
    while width > 1 and all(len(row) < width or not row[width - 1].strip() for row in rows):
        width -= 1
    if len(rows) > 2 and any(cell.strip().lower() in _TOTALS for cell in rows[-1]):
        # A spreadsheet's sum under the examples: it read as one more example, or was refused for
        # its empty cells with advice that would make the table wrong.
        notes.append(
            f"the last row, {', '.join(c.strip() for c in rows[-1] if c.strip())}, is read as a total, not an example"
        )
        rows, written = rows[:-1], written[:-1]
    # A column left empty between the others, as a sheet keeps one for space (every cell, its name too).
    empty = {c for c in range(width) if not any(c < len(row) and row[c].strip() for row in rows)}
    if empty:
        notes.append(f"{len(empty)} empty column(s) between the others are left out")
    return [[cell for c, cell in enumerate(row[:width]) if c not in empty] for row in rows], written


def _titled(row: list[str], names: int) -> bool:
    filled = [cell.strip() for cell in row if cell.strip()]
    if len(filled) == 1:
        return True
    words = not any(reads_as_number(cell) for cell in filled)
    return words and (len(filled) < names or filled[-1].endswith(":"))


def _as_names(row: list[str]) -> list[str]:
    """A row as column names compare: two exports glued together repeat them after a byte-order
    mark, a retyped line in another case (probe 8)."""
    return [cell.strip().lstrip("\ufeff").casefold() for cell in row]


def without_units(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The rows without a line of units under the column names (km, h, km/h), which read as one
    more example and made every column's type `object` (probe 8): short words over columns whose
    every other cell is a number."""
    if len(rows) < 4:
        return rows
    units = [(c, cell.strip()) for c, cell in enumerate(rows[1]) if cell.strip()]
    below = rows[2:]
    if units and all(
        len(unit) <= _LONGEST_UNIT
        and not reads_as_number(unit)
        and all(c < len(row) and reads_as_number(number_text(row[c].strip())) for row in below)
        for c, unit in units
    ):
        notes.append(
            f"the row under the column names, {', '.join(u for _, u in units)}, is read as units, not an example"
        )
        return [rows[0], *below]
    return rows


def _filled(row: list[str]) -> int:
    return sum(bool(cell.strip()) for cell in row)
