"""The settings of the judge's process that the tests may change for the candidate's sake, as they
would in one process: the recursion limit (for a deep recursive candidate) and the decimal
context's precision and rounding (`localcontext(prec=50)` around a call). The judge's call carries
them where they changed since it last said (sandbox.calls); the candidate takes them within
bounds."""

from __future__ import annotations

import decimal
import sys

# A candidate beyond C's stack crashes, as it would in one process; a precision this long is
# already slower than any test waits for.
_FEWEST_FRAMES, _MOST_FRAMES = 100, 1_000_000
_MOST_DIGITS = 100_000
_ROUNDINGS = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)

Settings = list[object]  # [recursion limit, decimal precision, decimal rounding], as they cross


def now() -> Settings:
    context = decimal.getcontext()
    return [sys.getrecursionlimit(), context.prec, context.rounding]


def take(settings: object) -> None:
    """The judge's settings, in this (the candidate's) process; anything malformed is left alone."""
    if type(settings) is not list or len(settings) != 3:
        return
    limit, digits, rounding = settings
    if type(limit) is int:
        sys.setrecursionlimit(min(max(limit, _FEWEST_FRAMES), _MOST_FRAMES))
    context = decimal.getcontext()
    if type(digits) is int:
        context.prec = min(max(digits, 1), _MOST_DIGITS)
    if rounding in _ROUNDINGS:
        context.rounding = str(rounding)
