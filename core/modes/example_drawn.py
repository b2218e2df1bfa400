"""Tables drawn with characters, as tools print them and people copy them: a database console's
(psql's `---+---` under the names, MySQL's `+---+` box), a box of line-drawing characters
(`┌─┬─┐`, `│`), a printed pandas frame (its index as an unnamed first column), and the lines
those tools or a PDF's pages print around them ("(3 rows)", "Page 1 of 2"). Each was refused
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
    r"|^(page|seite|página|pagina) \d+\s*(/|of|von|sur|de|di)\s*\d+$",  # a PDF's page footer
    re.IGNORECASE,
)


def as_markdown(text: str, notes: list[str]) -> str:
    """`text` with a drawn table written as Markdown: the rule under the names as |---|, the other
    rules (a box's borders, lines between rows) left out, box verticals as '|'; and without the
    lines a console or a PDF's page prints around a table. The Markdown reading then applies,
    prose around the table included (core.modes.example_surroundings)."""
    lines = text.splitlines()
    footers = [line.strip() for line in lines if _FOOTER.match(line.strip())]
    if footers:
        notes.append(f"{first_few([repr(f) for f in footers])}: printed around the table, left out")
        lines = [line for line in lines if not _FOOTER.match(line.strip())]
    drawn = [_is_rule(line) for line in lines]
    if not any(drawn):
        return "\n".join(lines)
    # The names: below a box's top ('+' or a corner first), else above the first rule (psql's).
    first = drawn.index(True)
    names = first + 1 if lines[first].strip()[:1] in "+" + _CORNERS else first - 1
    under = next((at for at in range(names + 1, len(lines)) if drawn[at]), None)
    kept = []
    for at, line in enumerate(lines):
        if at == under:
            kept.append(line.strip().translate(_AS_MARKDOWN_RULE))
        elif not drawn[at]:
            kept.append(line.translate(_VERTICALS))
    return "\n".join(kept)


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
    for start in (0, 1):
        if first == [str(start + at) for at in range(len(first))]:
            notes.append(
                f"the first column, numbered {', '.join(first[:3])}..., has no name: a printed index, left out"
            )
            return [rows[0], *(row[1:] for row in rows[1:])]
    return rows
