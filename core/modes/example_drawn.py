"""Tables drawn with characters, as tools print them and people copy them: a database console's
(psql's `---+---` under the names, MySQL's `+---+` box), a box of line-drawing characters
(`┌─┬─┐`, `│`), a printed pandas frame (its index as an unnamed first column), a column that
only numbers the examples, and the lines those tools or a PDF's pages print around them ("(3
rows)", "Page 1 of 2"). Each was refused
saying that no separator stood between the cells, though pipes or lined-up spaces did (probe 16)."""

from __future__ import annotations

import re

from core.displayable import first_few

# Line-drawing characters: the corners and crossings of a box, and its lines.
_CORNERS = "┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫╭╮╯╰"
_LINES = "─━═"
_UPRIGHTS = "│┃║"
# A rule drawn across a table: only drawing characters, with a line of three or more and a corner
# or crossing ('+', '┼'...), so that a Markdown rule (|---|) and a row of "-" cells are not one.
_RULE = re.compile(f"^[-=+|: {_CORNERS}{_LINES}{_UPRIGHTS}]+$")
_RULE_LINE = re.compile(f"[-={_LINES}]{{3}}")
_CROSSING = re.compile(f"[+{_CORNERS}{_LINES}]")
_VERTICALS = str.maketrans(dict.fromkeys(_UPRIGHTS, "|"))
# A rule's crossings as a Markdown rule's pipes, its lines as dashes: "+---+---+" -> "|---|---|".
_AS_MARKDOWN_RULE = str.maketrans(
    {**dict.fromkeys("+" + _CORNERS + _UPRIGHTS, "|"), **dict.fromkeys("=" + _LINES, "-")}
)
# What a console or a PDF's page prints under or between a table's rows; "Page 2" alone may be a
# cell of a table copied one cell a line (the review), "Page 2 of 5" is a page's.
_FOOTER = re.compile(
    r"^\(\d+ rows?\)$"  # psql
    r"|^(\d+|empty) rows? in set\b.*$"  # MySQL
    r"|^\[\d+ rows x \d+ columns\]$"  # pandas
    r"|^\(\d+ rows? affected\)$"  # SQL Server
    r"|^(page|seite|página|pagina) \d+\s*(/|of|von|sur|de|di)\s*\d+$",  # a PDF's page footer
    re.IGNORECASE,
)
# Groups of dashes or '=' apart: the rule SQL Server, tabulate and reStructuredText draw under the
# names of columns lined up with spaces (probe 17: read as an example of dashes).
_SPACED_RULE = re.compile(r"^[-=]{2,}(\s+[-=]{2,})+$")


def as_markdown(text: str, notes: list[str]) -> str:
    """`text` with a drawn table written as Markdown: the rule under the names as |---|, the other
    rules (a box's borders, lines between rows) left out, box verticals as '|'; and without the
    lines a console or a PDF's page prints around a table. The Markdown reading then applies,
    prose around the table included (core.modes.example_surroundings)."""
    lines, footers = [], []
    for line in text.splitlines():
        if _FOOTER.match(line.strip()):
            footers.append(repr(line.strip()))
        elif not _SPACED_RULE.match(line.strip()):
            lines.append(line)
    if footers:
        notes.append(f"{first_few(footers)}: printed around the table, left out")
    if lines and lines[0].lstrip().startswith("||"):  # Jira's line of names: ||Word||Expected||
        lines[0] = lines[0].replace("||", "|")
    drawn = [_is_rule(line) for line in lines]
    if not any(drawn):
        return "\n".join(lines)
    # The names: below a box's top ('+' or a corner first), else above the first rule (psql's).
    first = drawn.index(True)
    names = first + 1 if lines[first].strip()[:1] in "+" + _CORNERS else first - 1
    under = next((at for at in range(names + 1, len(lines)) if drawn[at]), len(lines))
    kept = [line.translate(_VERTICALS) for at, line in enumerate(lines[:under]) if not drawn[at]]
    if under < len(lines):
        kept.append(lines[under].strip().translate(_AS_MARKDOWN_RULE))
    # Below the names, a rule between each two rows makes the lines between them one row, its
    # cells over several lines (probe 17: each line read as an example).
    rows, block = [], []
    for at in range(under + 1, len(lines)):
        if not drawn[at]:
            block.append(lines[at].translate(_VERTICALS))
        elif block:
            rows.append(block)
            block = []
    between = sum(drawn[under + 1 :]) > 1
    for lines_of_row in rows:
        kept += [_one_row(lines_of_row)] if between else lines_of_row
    return "\n".join(kept + block)  # below the last rule: a psql table's rows, or prose


def _one_row(lines: list[str]) -> str:
    """The lines of one row of a box, its cells' lines joined with a space."""
    cells = [line.strip().strip("|").split("|") for line in lines]
    width = max(map(len, cells))
    joined = [" ".join(row[c].strip() for row in cells if c < len(row) and row[c].strip()) for c in range(width)]
    return "| " + " | ".join(joined) + " |"


def _is_rule(line: str) -> bool:
    text = line.strip()
    return bool(_RULE.match(text) and _RULE_LINE.search(text) and _CROSSING.search(text))


def without_index(rows: list[list[str]], names: str, notes: list[str]) -> list[list[str]]:
    """Rows lined up with spaces, without the index a printed pandas frame puts first: a column
    with no name, its line of `names` starting with spaces, numbered 0, 1, 2... (or from 1) down
    the rows."""
    if len(rows) < 2 or not names[:1].isspace() or any(len(row) != len(rows[0]) + 1 for row in rows[1:]):
        return rows
    first = [row[0] for row in rows[1:]]
    if not (_counts(first, 0) or _counts(first, 1)):
        return rows
    notes.append(f"the first column, numbered {', '.join(first[:3])}..., has no name: a printed index, left out")
    return [rows[0], *(row[1:] for row in rows[1:])]


def _counts(cells: list[str], start: int) -> bool:
    """Whether `cells` number the rows from `start`: start, start + 1, ..."""
    return cells == [str(start + at) for at in range(len(cells))]


_NUMBERING_NAMES = frozenset({"#", "example", "ex", "ex.", "no", "no.", "nr", "nr.", "case", "beispiel", "exemple"})


def without_numbering(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The rows without a first column that only numbers the examples: named '#', 'Example' or
    'No.', holding 1, 2, 3... ("Example 1", "#2" too), beside an input and the outputs. It read as
    an input of the function (probe 17)."""
    if len(rows) < 3 or len(rows[0]) < 3 or rows[0][0].strip().lower() not in _NUMBERING_NAMES:
        return rows
    numbers = [re.sub(r"^\D*", "", row[0].strip()) if row else "" for row in rows[1:]]
    words = {row[0].strip()[: -len(n)].strip(" #").lower() for row, n in zip(rows[1:], numbers) if n}
    if not _counts(numbers, 1) or not words <= {"", rows[0][0].strip().lower()}:
        return rows
    notes.append(f"the first column, {rows[0][0].strip()!r}, numbers the examples: left out")
    return [row[1:] for row in rows]
