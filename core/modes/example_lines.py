"""The lines of a paste as blocks: what follows its last empty line is, often, not the table (a
note under it, a remark under examples noted one a line), and what precedes the examples a
letter's opening."""

from __future__ import annotations

MOST_REMARK_LINES = 5  # a note under a table, or a remark under examples noted one a line


def last_empty(lines: list[str]) -> int | None:
    """Where the last empty line stands among `lines`, or None where none is."""
    return next((at for at in range(len(lines) - 1, -1, -1) if not lines[at].strip()), None)


def after_last_empty(lines: list[str]) -> tuple[int, list[str]] | None:
    """Where the last empty line stands and the filled lines after it; None where no empty line
    has filled lines after it."""
    at = last_empty(lines)
    below = [line for line in lines[at + 1 :] if line.strip()] if at is not None else []
    return (at, below) if at is not None and below else None
