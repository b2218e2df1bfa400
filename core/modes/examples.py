"""Tests from examples, for people who don't program: a table of inputs and expected outputs
plus a plain description becomes a signature, a docstring with doctests, and a check function.

Cells are parsed with `ast.literal_eval` (never `eval`); what is not a literal is plain text.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from core.displayable import one_line
from core.modes.example_cells import (
    Cell,
    parse_rows,
    plain_sequence,
    reads_as_number,
    shown_inputs,
    type_name,
    words_among,
)
from core.modes.example_checks import COMPARE, RETURNED, holds_float
from core.modes.example_names import function_name, parameter_name
from core.modes.prompt_rows import prompt_rows
from core.ranking.order import best_first_key
from core.user_error import UserError

if TYPE_CHECKING:
    from sandbox import TestCaseResult

# Examples a table may hold: each candidate runs them all within the pipeline's 3 s (a 5,000-row
# table took up to 1.5 s with a one-line function, measured 2026-12-05).
MOST_EXAMPLES = 2000
MOST_COLUMNS = 201  # 200 inputs and the expected output: far more than any function of a person's takes
# Characters of a candidate's exception message a verdict quotes.
_MESSAGE_CHARS = 200
# Wrong examples an explanation names; a large table's candidate can be wrong on hundreds.
_MOST_EXPLAINED = 5

# Said when the candidates right on every example do not generalise (core.ranking.examine.only_rows).
ONLY_ROWS = (
    "The candidates that get every example right give one answer or an error for every other input tried:"
    " they may only repeat your examples. Describe the rule, or add rows that show it."
)
NONE_RIGHT = "No candidate gets every example right. Describe the rule in words, or add rows that show it."
# Said when one candidate gets every example right: no other can disagree with it (probe 5: a lookup
# of the rows, shown with nothing said).
ONE_RIGHT = (
    "Only one candidate gets every example right, so no other could be compared with it: try it on inputs"
    " beyond the examples, or add rows that show the rule where it matters."
)


def none_right(verdicts: Sequence[Sequence[str | None] | None], degenerate: Sequence[str | None]) -> str:
    """Said when no candidate gets every example right (`verdicts` per candidate, as
    `example_verdicts` writes them). When two or more get every other row right, and every candidate
    fails one row, those in the same way, that row is named: it shows a rule they all miss (leap
    years' 1900), or it holds a typo or a cell read in a way the user did not mean; either way it is
    the row to look at."""
    attempts = [v for v, flag in zip(verdicts, degenerate) if v is not None and flag is None]
    missed = [v.index(next(x for x in v if x is not None)) for v in attempts if len(v) - v.count(None) == 1]
    row = max(set(missed), key=missed.count) if missed else None
    if row is None or len(attempts[0]) < 3 or missed.count(row) < 2 or any(v[row] is None for v in attempts):
        return NONE_RIGHT
    ways = {v[row] for v in attempts if len(v) - v.count(None) == 1}
    if len(ways) > 1 or "it returned" not in str(next(iter(ways))):
        return NONE_RIGHT
    return (
        f"No candidate gets every example right, but {missed.count(row)} get every other example right, and all of"
        f" them miss row {row + 1} the same way: {next(iter(ways))}. If that row is right, it shows a rule they"
        " miss: describe it in words, or add rows like it; if it holds a mistake, correct it."
    )


def agreed(inputs: int, name: str, differs_at: str | None) -> str:
    """Said when the candidates right on every example give the same value wherever they give one;
    `differs_at`: an input where some of them raise or hang instead (they do not all agree there)."""
    if differs_at is None:
        return f"The candidates that get every example right also agree on every other input tried ({inputs} inputs)."
    return (
        f"The candidates that get every example right give the same answers wherever they all answer ({inputs}"
        f" inputs tried), but for {name}({differs_at}) some of them give an error or no answer."
    )


@dataclass(frozen=True)
class Spec:
    name: str
    params: list[str]
    param_types: list[str]
    return_type: str
    description: str
    rows: list[tuple[list[Cell], Cell]]

    @cached_property
    def shown(self) -> list[int]:
        """The rows the prompt shows, by position: all of them unless the table is large
        (core.modes.prompt_rows), a row typed twice once; the tests check every row."""
        chosen = prompt_rows(self._doctests, [repr(expected.value) for _, expected in self.rows])
        first: dict[str, int] = {}
        for row in chosen:
            first.setdefault(self._doctests[row], row)
        return list(first.values())

    @property
    def prompt(self) -> str:
        args = ", ".join(f"{p}: {t}" for p, t in zip(self.params, self.param_types))
        doctests = "\n".join(self._doctests[row] for row in self.shown)
        return f'def {self.name}({args}) -> {self.return_type}:\n    """{self.description.strip()}\n\n{doctests}\n    """\n'

    @cached_property
    def _doctests(self) -> list[str]:
        return [
            f"    >>> {self.name}({', '.join(repr(c.value) for c in inputs)})\n    {expected.value!r}"
            for inputs, expected in self.rows
        ]

    @property
    def args(self) -> list[tuple[object, ...]]:
        """Each example's input values, as a call takes them."""
        return [tuple(cell.value for cell in inputs) for inputs, _ in self.rows]

    @property
    def shown_args(self) -> list[tuple[object, ...]]:
        """The input values of the examples the prompt shows (`shown`)."""
        return [tuple(cell.value for cell in self.rows[row][0]) for row in self.shown]

    @property
    def decimals(self) -> int | None:
        """The fewest decimal places written in an expected number: how exact outputs must be."""
        places = [expected.decimals for _, expected in self.rows if expected.decimals is not None]
        return min(places) if places else None

    @property
    def tests(self) -> str:
        lines = ["def check(candidate):"]
        numeric = False
        # Answers written as several values ("2, 2, 3"): a lone one among them ("7", or a 0 for
        # none) may come back alone or as a sequence of one.
        listed = any(plain_sequence(expected) for _, expected in self.rows)
        words = words_among([expected for _, expected in self.rows])
        for inputs, expected in self.rows:
            call = f"candidate({', '.join(repr(c.value) for c in inputs)})"
            shown = shown_inputs(inputs)
            # One assert per example, so each is reported on its own; its message carries the
            # returned value, so a failed example can be explained in words.
            if plain_sequence(expected):
                numeric = True  # a person's "2, 2, 3": a list or a tuple
                cond = f"items(returned({call}), {expected.value!r})"
            elif listed and type(expected.value) in (int, float, str):
                numeric = True
                cond = f"alone(returned({call}), {expected.value!r})"
            elif expected.decimals is not None:
                numeric = True
                cond = f"close(returned({call}), {expected.value!r}, {0.5 * 10**-expected.decimals!r})"
            elif type(expected.value) is int:
                numeric = True
                compare = "whole_or_text" if words else "whole"
                cond = f"{compare}(returned({call}), {expected.value!r})"
            elif holds_float(expected.value):
                numeric = True
                cond = f"near(returned({call}), {expected.value!r})"
            else:
                cond = f"returned({call}) == {expected.value!r}"
            message = (
                f"{('for ' + shown + ' it returned ')!r} + shown(_returned[0], {expected.value!r})"
                f" + {expected.written!r}"
            )
            lines.append(f"    assert {cond}, {message}")
        return (COMPARE if numeric else "") + RETURNED + "\n".join(lines) + "\n"


_CONDITION = re.compile(r"^(<=?|>=?|≤|≥|=<|=>)\s*-?\d")  # ">= 90", "< 70"; not "12+", an age rating
_RANGE = re.compile(r"^-?\d+(\.\d+)?\s*(-|–|to|bis)\s*-?\d+(\.\d+)?$")  # "80-89" beside conditions


class TableError(UserError, ValueError):
    """A header, function name or row count that no function can be made from."""


def names_expected(column: str) -> bool:
    """Whether a column name marks the outputs: "expected", or a name that starts with it as
    spreadsheets name such a column ("Expected total", "expected_output")."""
    words = column.strip().lower()
    return words == "expected" or (words.startswith("expected") and not words[len("expected")].isalnum())


def build_spec(header: list[str], rows: list[list[str]], description: str, name: str | None = None) -> Spec:
    """`header` names the parameters; its last column, `expected`, is the output."""
    if not header or not names_expected(header[-1]):
        raise TableError(_no_expected_column(header))
    if len(header) > 2 and names_expected(header[-2]):
        outputs = " and ".join(repr(column.strip()) for column in header if names_expected(column))
        raise TableError(
            f"{outputs} both name outputs, and a function gives one value: put them in one cell as a list,"
            " ['Ada', 'Lovelace'], in one column named 'expected'"
        )
    if len(header) < 2:
        raise TableError("add at least one input column before 'expected'")
    if len(header) > MOST_COLUMNS:
        raise TableError(f"{len(header) - 1} input columns: keep at most {MOST_COLUMNS - 1}, the ones the rule uses")
    params: list[str] = []
    for column in header[:-1]:
        param = parameter_name(column)
        if param is None:
            raise TableError(
                f"column name {column.strip()!r} is not usable as a parameter name (use letters, digits and _)"
            )
        params.append(param)
    for p in params:
        if params.count(p) > 1:
            twins = [repr(other.strip()) for other, q in zip(header, params) if q == p]
            same = (
                f"column name {twins[0]} is used twice"
                if len(set(twins)) == 1
                else f"column names {' and '.join(twins)} both become {p}"
            )
            raise TableError(f"{same}: give each input column its own name")
    if name and (not name.isidentifier() or keyword.iskeyword(name)):
        raise TableError(f"function name {name!r} is not usable (use letters, digits and _, not starting with a digit)")
    if not rows:
        raise TableError("add at least one example row")
    if (
        len(rows) == 1
        and rows[0]
        and names_expected(rows[0][0])
        and any(reads_as_number(c.strip()) for c in header[:-1])
    ):
        raise TableError(_sideways(header))  # probe 16: the outputs' row, its inputs' numbers read as names
    if len(rows) > MOST_EXAMPLES:
        raise TableError(
            f"{len(rows)} examples are more than a candidate's run can check in time: keep at most {MOST_EXAMPLES},"
            " the ones that show the rule"
        )
    parsed = [(values[:-1], values[-1]) for values in parse_rows(header, rows)]
    _refuse_rules(header, parsed)
    _refuse_contradictions(parsed)
    columns = list(zip(*[inputs for inputs, _ in parsed]))
    return Spec(
        name=name or function_name(description),
        params=params,
        param_types=[type_name([c.value for c in col]) for col in columns],
        return_type=type_name([expected.value for _, expected in parsed]),
        description=description.strip() or "Compute the output for the given inputs.",
        rows=parsed,
    )


def _no_expected_column(header: list[str]) -> str:
    """What is wrong with a header whose last column does not name the outputs, in its words."""
    at = next((i for i, column in enumerate(header) if names_expected(column)), None)
    if at is not None:
        named, after = header[at].strip(), ", ".join(repr(column.strip()) for column in header[at + 1 :])
        return (
            f"the outputs must be in the last column, named 'expected'. {named!r} is named so but the columns"
            f" {after} follow it: if {named!r} holds the outputs, move it last; if it is an input, give it a name that does not"
            f" start with 'expected' and name the outputs' column 'expected'"
        )
    last = header[-1].strip() if header else ""
    if not last:
        return "the last column must be named 'expected' (the output for each row)"
    if all(reads_as_number(column.strip()) for column in header):  # probe 8: "the last column, '9'"
        return (
            f"the first line, {', '.join(column.strip() for column in header)}, is an example, not column names:"
            " put a line of names above it, the last one 'expected'"
        )
    if len(header) > 2 and all(reads_as_number(column.strip()) for column in header[1:]):
        return _sideways(header)
    return (
        f"the last column, {last!r}: if it holds the outputs, name it 'expected' (two outputs go in one cell,"
        " as a list: ['Ada', 'Lovelace'])"
    )


def _sideways(header: list[str]) -> str:
    """What to say of a table whose examples run across the columns (probe 16)."""
    numbers = ", ".join(column.strip() for column in header if reads_as_number(column.strip()))
    return (
        f"the column names {numbers} are numbers: if the examples run across, one in each column, turn the table"
        " so that each example is a row (its inputs, then its output), under a line of names, the last one 'expected'"
    )


def _refuse_rules(header: list[str], rows: list[tuple[list[Cell], Cell]]) -> None:
    """A column of conditions (">= 90", "< 70"), ranges among them ("80-89"), makes a table of
    rules, not of examples: the function would be asked for the text ">= 90" (probes 15, 16)."""
    for c, column in enumerate(header[:-1]):
        cells = [inputs[c].value for inputs, _ in rows]
        conditions = [isinstance(cell, str) and bool(_CONDITION.match(cell)) for cell in cells]
        if any(conditions) and all(
            condition or (isinstance(cell, str) and bool(_RANGE.match(cell)))
            for cell, condition in zip(cells, conditions)
        ):
            raise TableError(
                f"column {column.strip()!r} holds conditions ({cells[conditions.index(True)]!r}), a rule's, not an"
                " example's: write examples, an input and its answer in each row (95 and A, 72 and C)"
            )


def _refuse_contradictions(rows: list[tuple[list[Cell], Cell]]) -> None:
    """Two rows with the same inputs and different expected values fit no function: every round of
    candidates would fail one of them, so the table is refused, naming both rows."""
    first: dict[str, int] = {}
    for r, (inputs, expected) in enumerate(rows):
        key = repr([c.value for c in inputs])
        if key not in first:
            first[key] = r
            continue
        earlier = rows[first[key]][1]
        if earlier.value != expected.value:
            shown = shown_inputs(inputs)
            raise TableError(
                f"rows {first[key] + 1} and {r + 1} give the same inputs ({shown}) but different expected values"
                f" ({earlier.written} and {expected.written}): no function can give both; keep the right one"
            )


def example_verdicts(spec: Spec, cases: Sequence[TestCaseResult]) -> list[str | None]:
    """Per example row: None when right, else what went wrong in plain words. `cases` are the
    sandbox's per-assert results, one per example in row order (see Spec.tests)."""
    out: list[str | None] = []
    for row, (inputs, _expected) in enumerate(spec.rows):
        case = cases[row] if row < len(cases) else None
        shown = shown_inputs(inputs)
        if case is None:
            out.append(f"for {shown} it was not tried (an earlier problem stopped the run)")
        elif case.status == "pass":
            out.append(None)
        elif case.status == "fail" and "it returned" in case.message:
            out.append(case.message[case.message.index("for ") :] if "for " in case.message else case.message)
        elif case.status == "timeout":
            out.append(f"for {shown} it took too long (timed out)")
        else:
            out.append(f"for {shown} it failed: {one_line(case.message or case.status, _MESSAGE_CHARS)}")
    return out


def sample_note(spec: Spec) -> str | None:
    """Said when the prompt shows only some of a large table's rows (Spec.shown); None otherwise."""
    shown, total = len(spec.shown), len(set(spec._doctests))  # a row typed twice is one example
    if shown == total:
        return None
    return (
        f"The prompt shows {shown} of the {total} examples, chosen to cover their answers; the tests check all {total}."
    )


def all_right(verdicts: Sequence[str | None] | None, degenerate: str | None) -> bool:
    """Every example right (`example_verdicts` all None), by a real attempt: a degenerate candidate
    (core.ranking.degenerate) never counts as solving the table."""
    return verdicts is not None and all(v is None for v in verdicts) and degenerate is None


def answered(verdicts: Sequence[str | None] | None) -> bool:
    """Whether a candidate returned a value, right or wrong, for some example (`example_verdicts`);
    one that raised or hung on every example did not."""
    return verdicts is not None and any(v is None or " it returned " in v for v in verdicts)


def explain(spec: Spec, verdicts: list[str | None]) -> str:
    """One sentence a non-programmer understands, e.g. "3 of 4 examples right; for 2024 it
    returned False, expected True"."""
    wrong = [v for v in verdicts if v is not None]
    text = f"{len(verdicts) - len(wrong)} of {len(verdicts)} examples right"
    more = f"; and {len(wrong) - _MOST_EXPLAINED} more wrong" if len(wrong) > _MOST_EXPLAINED else ""
    return text if not wrong else text + "; " + "; ".join(wrong[:_MOST_EXPLAINED]) + more


def best_first(
    verdicts: Sequence[list[str | None] | None],
    mean_logprobs: Sequence[float | None],
    degenerate: Sequence[str | None] | None = None,
    clusters: Sequence[int] | None = None,
) -> list[int]:
    """Candidate positions, best first: real attempts before degenerate ones (core.ranking.degenerate);
    then most examples right; then, once known, the most candidates behaving alike beyond the
    examples (core.ranking.behaviour: the majority's function is the likelier one); among equals, the
    model's own confidence (higher mean log-prob; None, an empty completion, is least). A
    candidate not tested yet (verdicts None) comes after every tested one of its kind."""
    flags = degenerate or [None] * len(verdicts)
    sizes = clusters or [0] * len(verdicts)

    def key(i: int) -> tuple[float, ...]:
        verdict = verdicts[i]
        right = -1 if verdict is None else verdict.count(None)
        return best_first_key(mean_logprobs[i], i, demoted=flags[i] is not None, better=(right, sizes[i]))

    return sorted(range(len(verdicts)), key=key)


def answer_row(args: str, answer: str) -> list[str]:
    """Cell texts of a new example row: the inputs of a question (core.ranking.behaviour.Question.args)
    and the answer the user chose, which becomes the row's expected value."""
    values = ast.literal_eval(f"({args},)") if args else ()
    return [repr(v) for v in values] + [answer]
