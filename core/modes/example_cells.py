"""The cells of a table of examples, read as people write them: Python literals or plain text,
truth values in any case, an empty cell in a column of text as empty text, and numbers written
as text (zip codes with leading zeros, amounts in brackets) as text in their whole column. A bad
cell gets its reason in plain words (`CellError`), and every bad cell of a table is reported at
once (`ExamplesError`)."""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core.modes import example_literals
from core.user_error import UserError

_LITERAL_START = tuple("[({'\"")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")  # 2,5 and 6,02E+23
# A number as continental Europe writes it, with thousands dots and a decimal comma: "1.250,00".
EUROPEAN_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
# Truth values as people and spreadsheets write them, in English in any case (Excel: TRUE, FALSE)
# and in capitals in other languages, as a German, French, Spanish, Italian or Dutch sheet shows them (probe 8).
_BOOLEANS = {"true": True, "false": False}
SHEET_BOOLEANS = {"WAHR": True, "FALSCH": False, "VRAI": True, "FAUX": False, "VERDADERO": True, "VERDADEIRO": True}
SHEET_BOOLEANS |= {"FALSO": False, "VERO": True, "WAAR": True, "ONWAAR": False}
_YES_NO = frozenset({"yes", "no", "y", "n", "ja", "nein", "oui", "non", "si", "sí", "true", "false"})
# Numbers written as text, not as Python numbers: a code with a leading zero (a zip code, "02134")
# and an amount in brackets (a negative one in accounting, "(7.00)"; Python would read 7.0).
# An amount in brackets may have thousands separators: "(1,250.00)" (literal_eval: a tuple).
_WRITTEN_NUMBER = re.compile(r"^(0\d+|\(\s*[+-]?\d[\d.]*\s*\)|\(\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*\))$")
# Indian grouping: lakhs and crores, "1,25,000" (literal_eval: the tuple (1, 25, 0)).
_INDIAN_THOUSANDS = re.compile(r"^[+-]?\d{1,2}(,\d{2})+,\d{3}(\.\d+)?$")
# A number with a footnote's mark after it ("4.99*", "12†"): the mark belongs in a note.
# A star after a whole number is a rating ("4*"): only one after a decimal marks a footnote.
_FOOTNOTE = re.compile(r"^[+-]?(\d[\d,]*\.\d+\s*\*+|\d[\d.,]*\s*[\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2074-\u2079]+)$")
_VULGAR = re.compile(r"^\d*[\u00bc-\u00be\u2150-\u215e]$")  # 1½, ¾
_CODE_E = re.compile(r"^\d+E\d+$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# A number as typesetting and other locales write it: a minus sign (U+2212) or a dash for the
# minus, and a no-break or thin space or an apostrophe between groups of three digits (French, Swiss
# and Nordic spreadsheets: "1\u202f250,00", "1'250.50"). Each one made the cell text, and with it its whole column.
_MINUS_SIGNS = "\u2212\u2012\u2013"
_GROUP_SPACES = "\u00a0\u202f\u2009'\u2019"  # and Swiss apostrophes: 1'250.50
_TYPESET_NUMBER = re.compile(rf"^([+\-{_MINUS_SIGNS}]?)(\d{{1,3}}(?:[{_GROUP_SPACES}]\d{{3}})+|\d+)([.,]\d+)?$")
_EMPTY_REASON = "the cell is empty; write a value, or '' for empty text"
_EMPTY_LIST_REASON = "the cell is empty; write a value, or [] for an empty list"
# A number as people write one; Python's other spellings (0x00FF00, 1_000) are text in a table.
_PEOPLES_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# What a spreadsheet shows where a formula failed; saved in a file, it is no value at all.
_SPREADSHEET_ERROR = re.compile(r"^#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$", re.IGNORECASE)


class CellError(ValueError):
    def __init__(self, row: int, column: str, reason: str):
        super().__init__(f"row {row + 1}, column {column!r}: {reason}")
        self.row, self.column, self.reason = row, column, reason


class ExamplesError(UserError, ValueError):
    """Every bad cell, each with its row, column and reason."""

    def __init__(self, errors: list[CellError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Cell:
    text: str  # what the user wrote
    value: object

    @property
    def written(self) -> str:
        """The cell as messages show it: as the user wrote it, or as Python writes its value where
        nothing shows (an empty cell read as empty text is '', not nothing)."""
        return self.text.strip() or repr(self.value)

    @property
    def decimals(self) -> int | None:
        """Decimal places the user wrote for a float, which sets how exact a match must be."""
        text = self.text.strip().lower()
        if isinstance(self.value, float) and "." in text and "e" not in text:
            return len(text.split(".")[1])
        return None


# A cell left empty, until its column says what it means (`_fill_empty_text`).
_EMPTY = Cell("", None)


def parse_rows(header: list[str], rows: list[list[str]]) -> list[list[Cell]]:
    """Every row's cells, the last one its expected value; raises ExamplesError naming every bad
    cell and every row with the wrong number of cells."""
    errors, table = [], {}
    for r, cells in enumerate(rows):
        if len(cells) != len(header):
            hint = " (put a cell that holds a comma in quotes)" if len(cells) > len(header) else ""
            errors.append(CellError(r, "-", f"has {len(cells)} cells, expected {len(header)}{hint}"))
            continue
        try:
            table[r] = [
                _EMPTY if not text.strip() else parse_cell(text, r, col, answer=c == len(header) - 1)
                for c, (text, col) in enumerate(zip(cells, header))
            ]
        except CellError as exc:
            errors.append(exc)
    errors += _fill_empty_text(table, header)
    if errors:
        raise ExamplesError(sorted(errors, key=lambda e: e.row))
    _written_numbers_as_text(list(table.values()))
    _one_item_sequences(list(table.values()))
    return list(table.values())


def numbers_written_out(rows: list[list[str]]) -> bool:
    """Whether a table of one input gives as every answer its input's number, formatted in some
    row as a number needs not be (3.50 for 3.5, 1250.00 for 1250, 1,250 for 1250): then it asks
    for the number written so, and its answers are text. Read as numbers, they let a function that
    returns its input get every example right, and failed every one that wrote the number (probe
    8). Beside other inputs an answer may be one of them (a maximum, a clamp), and stays a number;
    3.0 for 3 is a float, not a format."""
    if not rows or any(len(row) != 2 for row in rows):
        return False
    numbers = [(_number_of(given), _number_of(answer)) for given, answer in rows]
    if any(given is None or given != answer for given, answer in numbers):
        return False
    return any(given.strip() != answer.strip() and _FORMATTED.match(answer.strip()) for given, answer in rows)


# A number written with a format: two or more decimals ending in zero, or thousands grouped.
_FORMATTED = re.compile(r"^[+-]?(\d+\.\d+0|\d{1,3}([,.' ]\d{3})+([.,]\d+)?)$")


def _number_of(text: str) -> int | float | None:
    """The number a cell holds, its thousands separators read as such (which a table refuses as a
    number, but an answer written out holds: 1,250 for 1250, probe 10)."""
    stripped = text.strip()
    if _THOUSANDS.match(stripped) or _INDIAN_THOUSANDS.match(stripped):
        stripped = stripped.replace(",", "")
    value = _value_or_error(stripped) if stripped else None
    return value if type(value) in (int, float) else None  # type: ignore[return-value]


def _fill_empty_text(table: dict[int, list[Cell]], header: list[str]) -> list[CellError]:
    """Empty cells become "" in a column of text (a middle name left blank); anywhere else an empty
    cell is a value the user forgot: one error for each."""
    errors = []
    for c, column in enumerate(header):
        values = [row[c].value for row in table.values() if row[c] is not _EMPTY]
        text = bool(values) and all(isinstance(v, str) for v in values)
        lists = bool(values) and all(isinstance(v, list) for v in values)
        for r, row in table.items():
            if row[c] is _EMPTY and text:
                row[c] = Cell("", "")
            elif row[c] is _EMPTY:
                errors.append(CellError(r, column, _EMPTY_LIST_REASON if lists else _EMPTY_REASON))
    return errors


def _written_numbers_as_text(table: list[list[Cell]]) -> None:
    """A column that holds a number written as text (`_WRITTEN_NUMBER`: "02134", "(7.00)"), or whose
    text all holds digits beside plain numbers (phone numbers: "555-987-6543" beside 5551234567),
    or yes and no beside 1 and 0, holds numbers as they are written, not their values: its plain
    numbers become text too."""
    for c in range(len(table[0]) if table else 0):
        values = [row[c].value for row in table]
        texts = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if type(v) in (int, float)]
        digits = bool(texts and numbers) and all(any(ch.isdigit() for ch in v) for v in texts)
        # yes and no beside 1 and 0 are one kind of answer written two ways: text, as the words are (probe 16).
        yes_no = bool(texts and numbers) and all(v.strip().lower() in _YES_NO for v in texts) and set(numbers) <= {0, 1}
        # Beside text, 12E4 is a code (a part number), not 120000 (probe 11); alone, 1E3 may be
        # a thousand (probe 13), and 2.5e-05 or 6.02E+23 is a number (probe 12).
        coded = bool(texts) and any(type(row[c].value) is float and _CODE_E.match(row[c].text.strip()) for row in table)
        if digits or coded or yes_no or any(_WRITTEN_NUMBER.match(v) for v in texts):
            for row in table:
                if type(row[c].value) in (int, float) and _PEOPLES_NUMBER.match(number_text(row[c].text.strip())):
                    row[c] = Cell(row[c].text, row[c].text.strip())


def words_among(answers: Sequence[Cell]) -> bool:
    """Whether some answers are words and the rest whole numbers: then a number may come back as
    text (FizzBuzz's 1 beside Fizz, a check digit 2 beside X; probe 11), and the check takes
    either; beside a fraction (3.5) the numbers are numbers (probe 13)."""
    words = any(isinstance(answer.value, str) and reads_as_text(answer.value) for answer in answers)
    return words and not any(type(answer.value) is float for answer in answers)


def _one_item_sequences(table: list[list[Cell]]) -> None:
    """In an input column of lists or tuples, a cell holding one plain value is a sequence of one
    item: people write "3, 1, 2" in one row and "7" in the next for the same thing (a median of
    one). Expected values are left as written: a function may return a list or a number (the check
    of a lone value among answers written as several takes either, Spec.tests)."""
    for c in range(len(table[0]) - 1 if table else 0):
        kinds = {type(row[c].value) for row in table}
        sequence = kinds & {list, tuple}
        if len(sequence) != 1 or not kinds - sequence <= {int, float, str}:
            continue
        for row in table:
            if type(row[c].value) in (int, float, str):
                item = [row[c].value]
                row[c] = Cell(row[c].text, item if list in sequence else tuple(item))


def plain_sequence(cell: Cell) -> bool:
    """Whether a cell holds several values written without brackets ("2, 2, 3"): a person's list,
    which a function may give as a list or a tuple."""
    return isinstance(cell.value, list | tuple) and not cell.text.strip().startswith(_LITERAL_START)


def shown_inputs(cells: Sequence[Cell]) -> str:
    """A row's inputs as messages show them: each as the user wrote it, except where that would
    read as several values ("Hello, World!", or "3, 1, 2" for a tuple): then as Python writes it."""
    return ", ".join(repr(c.value) if _reads_as_several(c) else c.written for c in cells)


def _reads_as_several(cell: Cell) -> bool:
    if isinstance(cell.value, str):
        return "," in cell.value
    return isinstance(cell.value, list | tuple | dict | set) and not cell.text.strip().startswith(_LITERAL_START)


# An input written with a plus and more characters than this, all digits, is a phone number
# ("+447700900123", ten digits at least): "+123456789" is still a number.
_LONGEST_SIGNED = 10


def number_text(text: str) -> str:
    """`text` with a typeset minus sign and spaces between digit groups as Python writes numbers
    ("−3" is "-3", "1\u202f250,00" is "1250,00"); any other text as it is."""
    match = _TYPESET_NUMBER.match(text)
    if match is None:
        return text
    sign = "-" if match[1] and match[1] in _MINUS_SIGNS else match[1]
    return sign + re.sub(f"[{_GROUP_SPACES}]", "", match[2]) + (match[3] or "")


def parse_cell(text: str, row: int, column: str, answer: bool = False) -> Cell:
    """The cell `text` of a table's `row` and `column`; `answer`: whether it is an expected output."""
    stripped = number_text(text.strip())
    if not stripped:
        raise CellError(row, column, _EMPTY_REASON)
    phone = stripped[1:].isdigit() and len(stripped) > _LONGEST_SIGNED
    if stripped.startswith("+") and _PLAIN_NUMBER.match(stripped) and (answer or phone):
        # A plus sign written before an answer is how it is to be shown: a goal difference "+2", a
        # phone number "+447700900123" (read as the int 447700900123, probe 6), in an input too
        # (probe 8), where "+5" is still 5; its column's other numbers become text with it
        # (_written_numbers_as_text).
        return Cell(text, stripped)
    if _THOUSANDS.match(stripped) or _INDIAN_THOUSANDS.match(stripped):
        # literal_eval would read "1,234.5" as the tuple (1, 234.5).
        raise CellError(
            row,
            column,
            f"write numbers without thousands separators, e.g. 1234.5 (text written so goes in quotes: '{stripped}')",
        )
    if EUROPEAN_NUMBER.match(stripped):
        # literal_eval would read "1.250,00" as the tuple (1.25, 0).
        raise CellError(
            row, column, "write numbers without thousands separators and with a decimal point, e.g. 1250.00"
        )
    if DECIMAL_COMMA.match(stripped):
        # literal_eval would read "1,5" as the tuple (1, 5): more likely a decimal comma.
        raise CellError(row, column, "write decimals with a point, e.g. 1.5 (two numbers: in brackets, (1, 5))")
    if _FOOTNOTE.match(stripped):
        raise CellError(row, column, f"{stripped} has a footnote's mark: write the number alone")
    if _VULGAR.match(stripped):  # "½" or "1½" cups, as a recipe writes them (probe 15)
        return Cell(text, int(stripped[:-1] or 0) + unicodedata.numeric(stripped[-1]))
    if _SPREADSHEET_ERROR.match(stripped):
        raise CellError(row, column, f"{stripped} is a spreadsheet's error for a formula, not a value: fix the formula")
    if stripped.lower() in _BOOLEANS:
        return Cell(text, _BOOLEANS[stripped.lower()])
    if stripped in SHEET_BOOLEANS:
        return Cell(text, SHEET_BOOLEANS[stripped])
    if _WRITTEN_NUMBER.match(stripped):
        return Cell(text, stripped)  # as written: "(7.00)" is no 7.0
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        if (
            stripped.startswith(_LITERAL_START)
            and not example_literals.closes_early(stripped)
            and not example_literals.opens_text(stripped)
        ):
            if _remark(stripped):
                return Cell(text, stripped)  # "(cancelled)", "(cancelled, see email)": text (probes 11, 12)
            written_as_json = example_literals.json_container(stripped)
            if written_as_json is not None:  # {"valid": false}, as JSON writes it (probe 17)
                return Cell(text, written_as_json)
            kind = {"[": "list", "(": "tuple", "{": "dict or set", "'": "text", '"': "text"}[stripped[0]]
            reason = example_literals.why_invalid(stripped, exc)
            raise CellError(row, column, f"looks like a {kind} but is not valid: {reason}") from None
        return Cell(text, stripped)  # plain text
    if not _finite(value):  # 1e400 reads as inf, which no check program can write back
        raise CellError(row, column, "the number is beyond what Python's floats hold (about 1.8e308)")
    if type(value) in (int, float) and not _PEOPLES_NUMBER.match(stripped):
        return Cell(text, stripped)  # a colour code 0x00FF00 is text, not 65280
    if value is Ellipsis:
        return Cell(text, stripped)  # "..." is text as people write it, not Python's Ellipsis
    return Cell(text, value)


def _remark(text: str) -> bool:
    """Whether `text`, which no literal reads, is a remark in round brackets: "(cancelled)", "(1 of
    3)", "(cancelled, see email)" (probes 11, 12). Not "(Alice, 30)" or "(New York, 10001)", a tuple without its quotes,
    nor "[x y]", more likely a list that lost its comma."""
    if not example_literals.BRACKETED_WORDS.match(text):
        return False
    parts = text[1:-1].split(",")
    numbered = any(reads_as_number(part.strip()) for part in parts)  # "(New York, 10001)": maybe a tuple (probe 13)
    return len(parts) == 1 or (any(len(part.split()) > 1 for part in parts) and not numbered)


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, complex):
        return math.isfinite(value.real) and math.isfinite(value.imag)
    if isinstance(value, list | tuple | set | frozenset):
        return all(map(_finite, value))
    if isinstance(value, dict):
        return all(map(_finite, value)) and all(map(_finite, value.values()))
    return True


def reads_as_number(text: str) -> bool:
    """Whether a cell written `text` (without spaces at its edges) is a number."""
    return type(_value_or_error(text)) in (int, float)


def reads_as_text(text: str) -> bool:
    """Whether a cell written `text` (without spaces at its edges) is plain text: not a number,
    truth value, number written as text or Python literal, nor a cell in error."""
    return _value_or_error(text) == text and not _WRITTEN_NUMBER.match(text)


def _value_or_error(text: str) -> object:
    """The value of a cell written `text`, or the CellError that refuses it."""
    try:
        return parse_cell(text, 0, "").value
    except CellError as exc:
        return exc


def type_name(values: list[object]) -> str:
    """A type annotation covering all values (int and float together are float)."""
    kinds = {type(v) for v in values}
    given = [v for v in values if v is not None]
    if type(None) in kinds and given and type_name(given) != "object":
        return f"{type_name(given)} | None"  # a middle name, or None
    if kinds == {bool}:
        return "bool"
    if kinds <= {int, float} and bool not in kinds:
        return "float" if float in kinds else "int"
    if len(kinds) > 1:
        return "object"
    kind = kinds.pop()
    if kind in (list, set, tuple):
        inner = [x for v in values if isinstance(v, (list, set, tuple)) for x in v]  # all of them are
        element = type_name(inner) if inner else "object"
        return f"{kind.__name__}[{element}, ...]" if kind is tuple else f"{kind.__name__}[{element}]"
    if kind is dict:
        dicts = [v for v in values if isinstance(v, dict)]  # all of them are
        keys = [k for v in dicts for k in v]
        vals = [x for v in dicts for x in v.values()]
        return f"dict[{type_name(keys) if keys else 'object'}, {type_name(vals) if vals else 'object'}]"
    return {str: "str", type(None): "None"}.get(kind, "object")
