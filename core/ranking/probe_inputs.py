"""Inputs to run candidates on when the tests say too little (issue 21): the calls written in the
prompt's examples and in the user's tests, the user's example rows, inputs the model proposes, and
type-aware neighbours of all of them (as EvalPlus mutates its seed inputs).

An input is an argument list, kept as the source text of plain literals ("3, [1, 2]"): it goes
into a test file that the sandbox's judge runs, so only text that `ast.literal_eval` accepts is
ever kept. Pure functions, no model and no sandbox.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Collection, Iterable, Iterator, Sequence

from core.modes.source_check import UNPARSEABLE

MAX_INPUTS = 40
MAX_INPUT_CHARS = 400
_MAX_CALL_CHARS = 2000
_BIG = 10**9  # neighbours of larger numbers are not made: they are what makes loops run forever
# An argument list's values: plain literals (what ast.literal_eval makes), of any literal type.
Args = tuple[object, ...]


def render(values: Args) -> str | None:
    """The argument list's source text, or None when a value has no literal form (nan, objects)."""
    text = ", ".join(repr(v) for v in values)
    try:
        if ast.literal_eval(f"({text},)") != values:
            return None
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    return text if len(text) <= MAX_INPUT_CHARS else None


def written_in(code: str, inputs: Sequence[str]) -> bool | None:
    """Whether `code` writes out the values of these inputs (each an argument list from `render`),
    as a lookup of them does (`if title == 'Hello World'`); None when no value is telling enough
    to say: only text of 3 characters or more, and numbers of 3 digits or more, are looked for
    (a 1 or an 'a' is in much code by chance)."""
    distinct = _telling_values(tuple(inputs))
    if not distinct:
        return None
    found = sum(_written(code, v) for v in distinct)
    return found >= min(2, len(distinct))


@functools.lru_cache(maxsize=4)
def _telling_values(inputs: tuple[str, ...]) -> tuple[object, ...]:
    """The distinct telling values of a table's inputs, read once for all its candidates: every
    candidate is checked against the same rows, up to 2,000 of them (12 ms to read)."""
    return tuple({repr(v): v for args in inputs for v in parse_args(args) if _telling(v)}.values())


def _telling(value: object) -> bool:
    if isinstance(value, str):
        return len(value.strip()) >= 3
    return isinstance(value, (int, float)) and not isinstance(value, bool) and len(repr(abs(value))) >= 3


def _written(code: str, value: object) -> bool:
    if isinstance(value, str):
        return value in code
    return re.search(rf"(?<![\w.]){re.escape(repr(value))}(?![\w.])", code) is not None


def parse_args(text: str) -> Args:
    """The values of an argument list written by `render`."""
    values: Args = ast.literal_eval(f"({text},)") if text else ()  # a tuple: the text is an argument list
    return values


def literal_args(call: ast.Call) -> Args | None:
    """A call's positional arguments as values, or None if any is not a plain literal."""
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    try:
        return tuple(ast.literal_eval(a) for a in call.args)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def calls_in_text(text: str, names: Iterable[str]) -> list[Args]:
    """Argument values of every call to one of `names` written in `text` with literal arguments:
    doctests (`>>> f(1, 2)`), the prose examples HumanEval writes (`f([1, 2]) ==> 3`) and tests."""
    found = []
    for name in set(names):
        start = text.find(name + "(")
        while start != -1:
            before = text[start - 1] if start else " "
            if not (before.isalnum() or before in "_."):
                call = _call_at(text, start)
                if call is not None and (args := literal_args(call)) is not None:
                    found.append(args)
            start = text.find(name + "(", start + 1)
    return found


def _call_at(text: str, start: int) -> ast.Call | None:
    """The call expression that starts at `start`: the shortest text up to a ')' that parses."""
    end = text.find(")", start)
    while end != -1 and end - start <= _MAX_CALL_CHARS:
        try:
            node = ast.parse(text[start : end + 1], mode="eval").body
        except UNPARSEABLE:
            end = text.find(")", end + 1)
            continue
        return node if isinstance(node, ast.Call) else None
    return None


def arity(prompt: str, entry_point: str) -> tuple[int, int] | None:
    """(fewest, most) positional arguments the prompt's function takes, or None if unknown."""
    try:
        tree = ast.parse(prompt + "\n    pass\n")
    except UNPARSEABLE:
        try:
            tree = ast.parse(prompt)
        except UNPARSEABLE:
            return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            a = node.args
            if a.vararg is not None:
                return None
            positional = len(a.posonlyargs) + len(a.args)
            return positional - len(a.defaults), positional
    return None


def neighbours(value: object) -> list[object]:
    """Values near `value` that often separate candidates: boundaries, empties, one element."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [] if abs(value) > _BIG else [value + 1, value - 1, 0, -value, value * 2, 1]
    if isinstance(value, float):
        return [] if abs(value) > _BIG else [value + 1.0, 0.0, -value, value / 2, round(value)]
    if isinstance(value, str):
        return ["", value[:1], value[::-1], value.upper(), value + value[-1:], f" {value} ", "a b  c"]
    if isinstance(value, (list, tuple)):
        kind = type(value)
        out: list[object] = [kind(), kind(value[:1]), kind(value[::-1]), kind(value[:-1]), kind([*value, *value[-1:]])]
        try:
            out.append(kind(sorted(value)))
        except TypeError:
            pass
        if value:
            out.extend(kind([n, *value[1:]]) for n in neighbours(value[0])[:3])
        return out
    if isinstance(value, dict):
        return [{}, dict(list(value.items())[:1])]
    if isinstance(value, (set, frozenset)):
        return [type(value)(), type(value)(sorted(value, key=repr)[:1])]
    return []


def mutations(args: Args) -> Iterator[Args]:
    """Argument lists that differ from `args` in one argument, the first argument's first."""
    for position, value in enumerate(args):
        for other in neighbours(value):
            yield (*args[:position], other, *args[position + 1 :])


def collect(
    seeds: Iterable[Args],
    proposed: Iterable[Args] = (),
    arity_range: tuple[int, int] | None = None,
    limit: int = MAX_INPUTS,
    known: Collection[str] = (),
) -> list[str]:
    """Distinct inputs as source text, at most `limit`: the seeds (the user's examples and tests)
    first, then the model's proposals, then neighbours of both taken in turns, so that each seed
    gets some before any gets many. Inputs whose length the function cannot take are left out, and
    so are proposals and neighbours among the `known` inputs (a large table's rows not among the
    seeds, whose answers its tests already settle)."""
    kept: dict[str, None] = {}
    skipped = frozenset(known)

    def add(values: Args, seed: bool = False) -> None:
        if len(kept) >= limit or (arity_range and not arity_range[0] <= len(values) <= arity_range[1]):
            return
        text = render(values)
        if text is not None and (seed or text not in skipped):
            kept.setdefault(text, None)

    seeds = list(seeds)
    for values in seeds:
        add(tuple(values), seed=True)
    bases = list({render(tuple(v)): tuple(v) for v in [*seeds, *proposed]}.values())
    for values in bases:
        add(values)
    streams = [mutations(values) for values in bases]
    while streams and len(kept) < limit:
        for stream in list(streams):
            try:
                add(next(stream))
            except StopIteration:
                streams.remove(stream)
    return list(kept)
