"""Examples written one a line, as people note them on a phone or in a chat: `3 -> 9`, `4 → 16`,
`10 => 100`, `f(3, 4) = 7`, `double(4) == 8`. Each line is a row: the call's arguments (or the text
before the arrow) are its inputs, what follows is its expected output."""

from __future__ import annotations

import ast
import re

# input ARROW output: an arrow, or "gives", "becomes", "returns" between spaces.
_ARROW = re.compile(r"^(?P<given>.+?)\s*(?:->|→|=>|⇒|⟶|\s(?:gives|becomes|returns)\s)\s*(?P<answer>.+)$")
# name(arguments) = output (or ==): the left side is read as Python's call.
_CALL = re.compile(r"^(?P<call>[A-Za-z_]\w*\s*\(.*\))\s*==?\s*(?P<answer>.+)$")


def rows_of(lines: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """The column names and rows of examples written one a line, or None where some line is not
    one (a table of another kind)."""
    rows: list[list[str]] = []
    names: list[str] | None = None
    for line in lines:
        call = _CALL.match(line.strip())
        if call is not None:
            parts = _arguments(call["call"])
            if parts is None:
                return None
            given, named = parts
        else:
            arrow = _ARROW.match(line.strip())
            if arrow is None:
                return None
            given, named = [arrow["given"].strip()], []
            call = arrow
        if rows and len(given) != len(rows[0]) - 1:
            return None  # lines of different widths: not one function's examples
        names = names or named
        rows.append([*given, call["answer"].strip()])
    if not rows:
        return None
    width = len(rows[0]) - 1
    if names is None or len(names) != width:
        names = ["x"] if width == 1 else [chr(ord("a") + i) for i in range(width)]
    return [*names, "expected"], rows


def _arguments(call: str) -> tuple[list[str], list[str]] | None:
    """The arguments' source texts of `name(...)`, and their names where all are given by keyword."""
    try:
        node = ast.parse(call, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    given = [ast.get_source_segment(call, a) or "" for a in [*node.args, *(k.value for k in node.keywords)]]
    named = [k.arg for k in node.keywords if k.arg] if not node.args else []
    return given, named if len(named) == len(given) else []
