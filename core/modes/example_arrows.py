"""Examples written one a line, as people note them on a phone or in a chat: `3 -> 9`, `4 → 16`,
`10 => 100`, `f(3, 4) = 7`, `double(4) == 8`. Each line is a row: the call's arguments (or the text
before the arrow) are its inputs, what follows is its expected output."""

from __future__ import annotations

import ast
import re

from core.displayable import one_line
from core.modes.example_lines import MOST_REMARK_LINES, after_last_empty, last_empty

_MOST_TITLE_LINES = 4  # above examples noted one a line: "Hi Sam,", "hope you're well", "please write it.", "Examples:"
# What stands between an input and its output: an arrow, or "gives", "becomes", "returns".
ARROW = re.compile(r"->|→|=>|⇒|⟶| (?:gives|becomes|returns) ")
# A call's name and opening bracket, as `f(3, 4) = 7` begins.
_CALLED = re.compile(r"[A-Za-z_]\w*\s*\(")
# What separates a table's cells: a line holding one outside a call's brackets is a table's row.
_SEPARATORS = frozenset(",;\t|")
# What a chat or an e-mail writes before each example: a bullet ("• 5 -> odd", "- 5 -> odd"),
# or a number ("1. 3 -> 9", "2) 4 -> 16", "Example 3: 10 -> 100"); checked to count 1, 2, 3.
_BULLET = re.compile(r"^[•·*\-–—▪◦‣]\s+")
_NUMBERED = re.compile(r"^(?:(?:example|e\.g\.)\s*)?\(?(\d{1,4}|[a-z])[.):]\s+", re.IGNORECASE)


def noted_rows(text: str, notes: list[str]) -> list[list[str]] | None:
    """The rows of examples noted one a line (`3 -> 9`, `f(3, 4) = 7`), which were refused for
    cells no comma separates, or split at the call's commas (probe 8); lines above them are a title
    (a letter's opening), a remark below them is left out, and bullets, numbers or letters before
    each are taken off (`_without_item_marks`)."""
    text, remark = _remark_below(text)
    raw = text.strip().splitlines()
    lines = [line.strip() for line in raw if line.strip()]
    # A title of a few lines, or a letter's whole opening, above the last empty line (probe 12).
    empty = last_empty(raw)
    opening = sum(1 for line in raw[:empty] if line.strip()) if empty is not None else 0
    for start in sorted({*range(min(len(lines), _MOST_TITLE_LINES + 1)), opening}):
        examples = _without_item_marks(lines[start:])
        read = rows_of(examples, strict=start > 0)
        if read is not None:
            header, rows = read
            if start:
                notes.append(f"{one_line(' '.join(lines[:start]), 60)!r}, above the examples, is read as a title")
            if examples != lines[start:]:
                notes.append("the bullets or numbers before the examples are left out")
            if remark:
                notes.append(f"{one_line(remark, 60)!r}, below the examples, is left out")
            notes.append(f"each line is read as an example: its inputs, then the expected output ({examples[0]})")
            return [header, *rows]
    return None


def _remark_below(text: str) -> tuple[str, str]:
    """`text` without a remark of a few lines and no arrow under the examples, after an empty line
    ("Negative numbers should work too.", probe 12), and the remark."""
    lines = text.rstrip().splitlines()
    block = after_last_empty(lines)
    if block is None:
        return text, ""
    at, below = block
    if len(below) > MOST_REMARK_LINES or any(ARROW.search(line) or _CALLED.match(line.strip()) for line in below):
        return text, ""
    return "\n".join(lines[:at]), " ".join(line.strip() for line in below)


def _without_item_marks(lines: list[str]) -> list[str]:
    """`lines` without the bullet, number or letter each begins with, where every one has one and
    they count 1, 2, 3 or a, b, c: "- 5" is a bullet, "-5" a number, and "2. 3 -> 9" alone no numbering."""
    if all(_BULLET.match(line) for line in lines):
        return [_BULLET.sub("", line) for line in lines]
    marks = [match[1].lower() for match in map(_NUMBERED.match, lines) if match]
    counts = ([str(n) for n in range(1, len(lines) + 1)], [chr(ord("a") + n) for n in range(len(lines))])
    if marks not in counts:
        return lines
    # "1. Introduction -> 1-introduction": answers that begin with the number joined to a word make
    # it the input's (probe 12); "1. January -> 1", "1. [3, 1, 2] -> [1, 2, 3]" (probe 13) or "1. 60
    # minutes -> 1 hour" (probe 14) do not.
    answers = [ARROW.split(line)[-1].strip() for line in lines]
    if all(re.match(rf"{re.escape(mark)}[-_.:/]\w", answer, re.IGNORECASE) for mark, answer in zip(marks, answers)):
        return lines
    unmarked = [_NUMBERED.sub("", line) for line in lines]
    # "1. Introduction -> Introduction": taking the number off is the task (probe 13).
    if all(ARROW.split(line)[0].strip() == answer for line, answer in zip(unmarked, answers)):
        return lines
    return unmarked


def rows_of(lines: list[str], strict: bool) -> tuple[list[str], list[list[str]]] | None:
    """The column names and rows of examples written one a line, or None where some line is not
    one (a table of another kind). `strict`, below a title: no line may hold a table's separator
    outside brackets and quotes, nor columns lined up with spaces (a table whose cells hold arrows;
    probe 10); else every line has its arrow, and "Smith, John -> John Smith" is one example."""
    rows: list[list[str]] = []
    names: list[str] = []
    for line in (line.strip() for line in lines):
        if strict and (_SEPARATORS & set(_bare(line)) or "  " in _bare(line)):
            return None
        read = _call_line(line) if _CALLED.match(line) else _arrow_line(line)
        if read is None:
            return None
        given, named, answer = read
        if rows and len(given) != len(rows[0]) - 1:
            return None  # lines of different widths: not one function's examples
        if named:  # keywords, in the first line's order; another line's other names fit no one function
            if rows and sorted(named) != sorted(names):
                return None
            names = names or named
            given = [given[named.index(name)] for name in names]
        rows.append([*given, answer])
    if not rows or not any(row[-1] for row in rows):
        return None
    width = len(rows[0]) - 1
    if len(names) != width:
        names = ["x"] if width == 1 else [chr(ord("a") + i) for i in range(width)]
    return [*names, "expected"], rows


def _arrow_line(line: str) -> tuple[list[str], list[str], str] | None:
    """`3 -> 9`: one input, one output; None where no arrow follows a text. Nothing after the
    arrow is an empty answer ("kiwi -> ", probe 11), where another line has one."""
    arrow = ARROW.search(line)
    if arrow is None:
        return None
    given, answer = line[: arrow.start()].strip(), line[arrow.end() :].strip()
    return ([given], [], answer) if given else None


def _call_line(line: str) -> tuple[list[str], list[str], str] | None:
    """`f(3, 4) = 7`: the call's arguments, their names where all are keywords, and the output."""
    depth, end = 0, None
    for at, char in enumerate(line):  # the bracket that closes the call's, scanned once
        depth += (char == "(") - (char == ")")
        if char == ")" and depth == 0:
            end = at
            break
    if end is None:
        return None
    rest = line[end + 1 :].lstrip()
    arrow = ARROW.match(rest)  # max(3, 4) -> 4, as well as f(3, 4) = 7
    if not rest.startswith("=") and arrow is None:
        return None
    answer = rest[arrow.end() :].strip() if arrow is not None else rest.lstrip("=").strip()
    call = line[: end + 1]
    try:
        node = ast.parse(call, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not answer or not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    given = [ast.get_source_segment(call, a) or "" for a in [*node.args, *(k.value for k in node.keywords)]]
    named = [k.arg for k in node.keywords if k.arg] if not node.args else []
    return given, named if len(named) == len(given) else [], answer


def _bare(text: str) -> str:
    """`text` without what brackets or quotes hold: `[1, 2] -> 3` has no separator of a table's."""
    bare, depth, quote = [], 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            bare.append(char)
    return "".join(bare)
