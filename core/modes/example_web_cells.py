"""What a web page or a PDF leaves in the cells of a table copied from it: spaces no one sees, and
footnote marks after words. Each is taken out where a person would not see it as the cell's, with
a note."""

from __future__ import annotations

import re

from core.displayable import first_few
from core.modes.example_cells import number_text

# Spaces no one sees, as a web page or a PDF writes them.
_EDGE_NO_BREAK = "\u00a0\u2007\u202f"
_NO_BREAK = str.maketrans(dict.fromkeys(_EDGE_NO_BREAK, " "))
# Zero-width spaces, the direction marks copied with Hebrew or Arabic text, and the soft hyphen a
# word processor hides (probe 9): none is part of what a person reads. The zero-width joiners stay:
# they join an emoji's family and spell Persian and Indic words.
_ZERO_WIDTH = str.maketrans(
    dict.fromkeys("\u200b\u2060\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad")
)
# A web page's footnote mark after a word: [a], [12], [note 3], [citation needed].
_FOOTNOTE_MARK = re.compile(
    r"(?<=[^\W_)])(\[([a-z]|[ivx]{1,4}|\d{1,3}|(note|nb) \d{1,3}|citation needed)\])+(?=\s*$)", re.IGNORECASE
)


def invisible_spaces(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The data rows, with the spaces a web page or a PDF writes that no one sees: a no-break space
    in text read as a space (upper() of "Anne Marie" failed on it, and the message showed both
    alike), a zero-width one left out (it made a column of numbers text); probe 8. A no-break
    space between a number's digit groups (1 250,00) stays, as the number's."""
    header, body, places = rows[0], [list(row) for row in rows[1:]], []
    for r, row in enumerate(body, start=1):
        for c, cell in enumerate(row):
            seen = cell.translate(_ZERO_WIDTH).strip(_EDGE_NO_BREAK)  # at a cell's edge, a web page's layout
            if number_text(seen.strip()) == seen.strip():
                seen = seen.translate(_NO_BREAK)
            if seen != cell:
                row[c] = seen
                places.append(f"row {r}, column {header[c].strip() if c < len(header) else c + 1!r}")
    if places:
        notes.append(
            "no-break spaces are read as spaces, and marks no one sees (zero-width spaces, direction marks,"
            f" soft hyphens) left out, as copied from a web page or a PDF ({first_few(places)})"
        )
    return body


def footnote_marks(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    """The data rows, without the footnote marks a web page's table puts after a word in some of a
    column's cells, as Wikipedia does: "Germany[a]", "Sucre[12]" (probe 11). Where every cell of
    a column ends so ("xs[1]"), the brackets are its own."""
    body, marked = [list(row) for row in rows[1:]], 0
    for c in range(len(rows[0])):
        cells = [row[c] for row in body if c < len(row) and row[c].strip()]
        if not cells or all(_FOOTNOTE_MARK.search(cell) for cell in cells):
            continue
        if _marks_are_data(c, body):
            continue
        for row in body:
            if c < len(row) and _FOOTNOTE_MARK.search(row[c]):
                row[c], marked = _FOOTNOTE_MARK.sub("", row[c]), marked + 1
    if marked:
        notes.append(f"{marked} footnote mark(s) after a word, as a web page writes them ([a], [1]), are left out")
    return body


def _marks_are_data(c: int, body: list[list[str]]) -> bool:
    """Whether the marks in column `c` are what the table is about: every marked cell's answer is
    the cell without its mark (taking marks off is the task, probe 12) or the mark's own content
    ("Paris[1]" -> 1, probe 13); or two marked cells differ by their marks alone ("scores[0]",
    "scores[1]"), where "Paris" beside "Paris[b]" is one city with a note (probe 14)."""
    marked = [(row[c].strip(), row[-1].strip()) for row in body if c < len(row) and _FOOTNOTE_MARK.search(row[c])]
    bare = [_FOOTNOTE_MARK.sub("", cell).strip() for cell, _ in marked]
    removed = all(answer == plain for (_, answer), plain in zip(marked, bare))
    cited = all(answer in re.findall(r"\[([^\]]+)\]", cell) for cell, answer in marked)
    return bool(marked) and (removed or cited or len(set(bare)) < len(bare))
