"""Tables of examples in JSON: a list of objects naming the inputs and the expected output, with or
without a description, or the app's own library's header and rows. Numbers keep the decimals the
file writes them with (9.00 says cents)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from core.modes.examples import names_expected
from core.user_error import UserError

_JSON_SHAPE = (
    'a list of objects, or {"description": ..., "examples": [...]}, each object with the inputs and "expected";'
    ' or {"header": [..., "expected"], "rows": [[...], ...]} as the app\'s own library writes tables'
)


_MOST_LITERAL_CHARS = 1_000_000  # literal_eval parses the whole text at once: within reason


class _NumberText(str):
    """A JSON number with a fraction, as the file writes it: 9.00 says cents, which 9.0 loses."""


def table_parts(text: str, path: Path) -> tuple[list[str], list[list[str]], str]:
    """The header, the rows' cell texts and the description of a table of examples in JSON."""
    too_deep = UserError(f"{path} nests lists or objects too deeply to read")
    try:
        data = json.loads(text, parse_float=_NumberText)
    except json.JSONDecodeError as exc:
        data = _as_people_write_it(text)
        if data is None:
            raise UserError(f"{path} is not valid JSON: {exc}") from None
    except ValueError:  # json.loads' only other ValueError: an integer past int()'s digit limit
        raise UserError(f"{path} holds an integer of more than {sys.get_int_max_str_digits()} digits") from None
    except RecursionError:
        raise too_deep from None
    try:
        return _json_table(data, path)
    except RecursionError:  # values nested just under the limit json.loads reaches overflow it as cells
        raise too_deep from None


def _as_people_write_it(text: str) -> object:
    """JSON as people write it by hand (probe 9): // or # comments, a comma after the last item,
    or Python's notation (single quotes, True, None); None where it is not even that."""
    cleaned = _cleaned(text)
    try:
        return json.loads(cleaned, parse_float=_NumberText)
    except (ValueError, RecursionError):
        pass
    try:
        return ast.literal_eval(cleaned) if len(cleaned) <= _MOST_LITERAL_CHARS else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _cleaned(text: str) -> str:
    """`text` without // or # comments and commas before a closing bracket, outside its strings
    (probe 10: a string "[1, 2,]" lost its comma)."""
    kept: list[str] = []
    quote, escaped, comment = "", False, False
    for at, char in enumerate(text):
        if comment:
            comment = char != "\n"
            if comment:
                continue
        elif quote:
            escaped, quote = (not escaped and char == "\\"), ("" if char == quote and not escaped else quote)
        elif char in "\"'":
            quote = char
        elif char == "#" or text.startswith("//", at):
            comment = True
            continue
        elif char in "]}":
            while kept and kept[-1].isspace():
                kept.pop()
            if kept and kept[-1] == ",":
                kept.pop()
        kept.append(char)
    return "".join(kept)


def _json_table(data: object, path: Path) -> tuple[list[str], list[list[str]], str]:
    if isinstance(data, dict) and "header" in data:
        return _from_library_json(data, path)
    description = data.get("description", "") if isinstance(data, dict) else ""
    rows = data.get("examples", []) if isinstance(data, dict) else data
    # The outputs' key as a CSV's column may name it: "expected", "Expected", "expected_total".
    first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    outputs = next((k for k in first if isinstance(k, str) and names_expected(k)), "expected")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) and outputs in r for r in rows):
        raise UserError(f"{path}: expected {_JSON_SHAPE}")
    header = [k for k in rows[0] if k != outputs] + [outputs]
    for number, row in enumerate(rows[1:], start=2):
        if set(row) != set(header):
            missing, extra = sorted(set(header) - set(row)), sorted(set(row) - set(header))
            raise UserError(
                f"{path}: example {number} does not name the same inputs as the first"
                + (f"; it lacks {', '.join(missing)}" if missing else "")
                + (f"; it adds {', '.join(extra)}" if extra else "")
            )
    # JSON values are already typed: their Python repr reads back through literal_eval.
    return header, [[_cell_text(r[k]) for k in header] for r in rows], str(description)


def _from_library_json(data: dict[str, object], path: Path) -> tuple[list[str], list[list[str]], str]:
    """{"header": [...], "rows": [[cell text, ...], ...]}: the shape of the app's library entries."""
    header, rows = data.get("header"), data.get("rows")
    if not (isinstance(header, list) and isinstance(rows, list) and all(isinstance(r, list) for r in rows)):
        raise UserError(f"{path}: expected {_JSON_SHAPE}")
    cells = [[c if isinstance(c, str) else _cell_text(c) for c in row] for row in rows]
    return [str(h) for h in header], cells, str(data.get("description", ""))


def _cell_text(value: object) -> str:
    """A JSON value as a cell: a number with a fraction as the file wrote it, anything else as
    Python writes it (a number inside a list keeps only its value)."""
    return str(value) if isinstance(value, _NumberText) else repr(_plain(value))


def _plain(value: object) -> object:
    if isinstance(value, _NumberText):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
