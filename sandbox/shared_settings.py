"""The state of the judge's process that the tests may change for the candidate's sake, as they
would in one process: the recursion limit (for a deep recursive candidate), the decimal context's
precision and rounding (`localcontext(prec=50)` around a call), the standard input the tests give
as text (`sys.stdin = io.StringIO("3 4\\n")`, as a harness of competition problems does before a
candidate that calls input()), and the random generator's state where the tests use it
(`random.seed(1)` before a candidate that draws). The judge's call carries what changed since it
last said (`Told`, sandbox.calls); the candidate takes it within bounds (`take`).

Only the judge tells: what the candidate reads of that input or draws from that generator moves
its own copy, and the judge's is left where the tests left it, so that no candidate can steer
what the tests draw after it. A seed the tests give again is told again, though the state it
makes is the one told before: the candidate has drawn since (`_count_seeding`)."""

from __future__ import annotations

import decimal
import functools
import io
import random
import sys
from collections.abc import Callable

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

_SEEDINGS = [0]  # how often the judge's tests seeded or set the random generator


def _count_seeding() -> None:
    """The judge's random.seed and random.setstate counted, once for the process's life."""
    for name in ("seed", "setstate"):
        setter = getattr(random, name)
        if not getattr(setter, "counted", False):

            @functools.wraps(setter)
            def counted(*args: object, _setter: Callable[..., None] = setter, **kwargs: object) -> None:
                _SEEDINGS[0] += 1
                _setter(*args, **kwargs)

            counted.counted = True  # type: ignore[attr-defined]
            setattr(random, name, counted)


# As they cross: [recursion limit, decimal precision, decimal rounding, the random generator's
# state or None where it did not change, the standard input: None where it did not change, False
# for the process's own, else the text left to read].
Settings = list[object]


class Told:
    """The judge's side: what it last told the candidate, so that a call carries only what changed
    (reading the random generator's state costs about 10 µs a call: only where the tests use it)."""

    def __init__(self, random_too: bool):
        self._random_too = random_too
        if random_too:
            _count_seeding()
        self._said = self._now()
        self._said[3] = None  # the candidate's generator is its own until told: the first call tells it

    def _now(self) -> list[object]:
        context = decimal.getcontext()
        stdin = sys.stdin
        try:
            # The stream itself, not its id: held here, it cannot be freed and its id given to the next.
            given = (stdin, stdin.tell()) if isinstance(stdin, io.StringIO) else None
        except ValueError:  # closed
            given = None
        state = (_SEEDINGS[0], random.getstate()) if self._random_too else None
        return [sys.getrecursionlimit(), context.prec, context.rounding, state, given]

    def changes(self) -> Settings | None:
        """The settings a call carries, or None where nothing changed since the last that did."""
        now = self._now()
        if now == self._said:
            return None
        said, self._said = self._said, now
        state = now[3]
        if isinstance(state, tuple) and state != said[3]:
            version, internal, gauss = state[1]
            told_state: object = [version, list(internal), gauss]
        else:
            told_state = None
        given = now[4]
        told_input: object = None
        if given != said[4]:
            told_input = False if given is None else _left_to_read(*given)  # type: ignore[misc]
        return [now[0], now[1], now[2], told_state, told_input]


def _left_to_read(stream: io.StringIO, at: int) -> str:
    return stream.getvalue()[at:]


def take(settings: object) -> None:
    """The judge's settings, in this (the candidate's) process; anything malformed is left alone."""
    if type(settings) is not list or len(settings) != 5:
        return
    limit, digits, rounding, state, given = settings
    if type(limit) is int:
        sys.setrecursionlimit(min(max(limit, _FEWEST_FRAMES), _MOST_FRAMES))
    context = decimal.getcontext()
    if type(digits) is int:
        context.prec = min(max(digits, 1), _MOST_DIGITS)
    if rounding in _ROUNDINGS:
        context.rounding = str(rounding)
    if type(state) is list and len(state) == 3 and type(state[1]) is list:
        try:
            random.setstate((state[0], tuple(state[1]), state[2]))
        except (TypeError, ValueError, OverflowError):  # not a state the generator takes
            pass
    if given is False:
        sys.stdin = sys.__stdin__
    elif type(given) is str:
        sys.stdin = io.StringIO(given)
