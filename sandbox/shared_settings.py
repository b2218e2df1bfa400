"""The state of the judge's process that the tests may change for the candidate's sake, as they
would in one process: the recursion limit (for a deep recursive candidate), the decimal context's
precision and rounding (`localcontext(prec=50)` around a call), the standard input the tests give
(`sys.stdin = io.StringIO("3 4\\n")`, or a text wrapper over bytes, as a harness of competition
problems sets it before a candidate that calls input()) and the command line (`sys.argv`). The
judge's call carries what changed since it last said (`Told`, sandbox.calls); the candidate takes
it within bounds (`take`). What the candidate reads of a text input (`io.StringIO`) comes back
with its answer (`read_so_far`), and the tests' stream moves on as far, as in one process: tests
that give the same stream again from its start (`seek(0)`), or refill it, are seen to.

Not the random generator: its state holds the draws already made, and a copy of it replays the
draws to come, so a candidate told it recovered what the tests drew and never showed it (the
string HumanEval/38 encodes) and passed without solving (red-team round 20). A candidate draws
from its own generator, and tests that seed theirs to compare with its draws fail."""

from __future__ import annotations

import codecs
import decimal
import io
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
# Encodings whose decoder needs the bytes from their start (a byte-order mark) or keeps a state.
_MARKED_OR_STATEFUL = frozenset(
    {
        "utf-16",
        "utf-32",
        "iso2022_jp",
        "iso2022_jp_1",
        "iso2022_jp_2",
        "iso2022_jp_2004",
        "iso2022_jp_3",
        "iso2022_jp_ext",
        "iso2022_kr",
        "utf-7",
        "hz",
    }
)

# As they cross: [recursion limit, decimal precision, decimal rounding, the standard input, the
# command line], each of the last two None where it did not change; the input False for the
# process's own, else [what is left to read, False for text or the encoding of bytes (which cross
# as Latin-1 text, as settings cross as JSON)]. A call too large to carry is refused in words
# (sandbox.call_pipes), the input and the command line with it.
Settings = list[object]


class Told:
    """The judge's side: what it last told the candidate, so that a call carries only what changed."""

    def __init__(self) -> None:
        self._said = self._now()
        self._before = self._said  # what was said before the last call that told anything
        self._input_from = 0  # where in the tests' stream the text told starts

    def _now(self) -> list[object]:
        context = decimal.getcontext()
        return [sys.getrecursionlimit(), context.prec, context.rounding, _given_input(), list(sys.argv)]

    def changes(self) -> Settings | None:
        """The settings a call carries, or None where nothing changed since the last that did."""
        now = self._now()
        if now == self._said:
            return None
        told: Settings = [now[0], now[1], now[2], None, None]
        if now[3] != self._said[3]:
            told[3] = self._input_told(now[3])
        if now[4] != self._said[4]:
            told[4] = [str(word) for word in now[4]]  # type: ignore[attr-defined]  # a pathlib.Path too
        self._before, self._said = self._said, now
        return told

    def unsay(self) -> None:
        """The last call's settings were not carried (the call was too large): tell them again."""
        self._said = self._before

    def _input_told(self, given: object) -> object:
        if not isinstance(given, tuple):
            return False  # the process's own, given back
        stream, at, _ = given
        if isinstance(stream, io.StringIO):
            self._input_from = at
            return [stream.getvalue()[at:], False]
        # A text wrapper over bytes, which sys.stdin.buffer reads: its bytes from where the wrapper
        # stands (its buffer reads ahead, red-team round 21), as they are (a review: decoding them
        # again changed "\r\n" and failed on binary input), where that place is a plain offset;
        # past a UTF-16 mark or in a stateful encoding (round 22), what is left of its text.
        raw = stream.buffer.getvalue()
        if at == 0 or (at <= len(raw) and codecs.lookup(stream.encoding).name not in _MARKED_OR_STATEFUL):
            return [raw[at:].decode("latin-1"), stream.encoding]
        try:
            rest = stream.read()
        except (UnicodeError, ValueError, OSError):  # bytes the encoding refuses: nothing the candidate can read
            rest = ""
        finally:
            stream.seek(at)
        return [rest, False]

    def read_to(self, read: object) -> None:
        """The tests' text input moved on as far as the candidate read its copy (`read` characters)."""
        given = self._said[3]
        if type(read) is not int or not isinstance(given, tuple) or not isinstance(given[0], io.StringIO):
            return
        stream = given[0]
        if stream is not sys.stdin or stream.closed:
            return
        # The candidate's word, bounded to what was told.
        held = stream.getvalue()
        at = min(max(self._input_from + read, self._input_from), len(held))
        stream.seek(at)
        self._said[3] = (stream, at, held)


def _given_input() -> tuple[io.StringIO | io.TextIOWrapper, int, object] | None:
    """The tests' standard input where they gave it in memory, where it stands and what it holds
    (one buffer refilled for each case stands where it stood, red-team review): the stream itself,
    not its id (held, it cannot be freed and its id given to the next)."""
    stdin = sys.stdin
    try:
        if isinstance(stdin, io.StringIO):
            return stdin, stdin.tell(), stdin.getvalue()
        if isinstance(stdin, io.TextIOWrapper) and isinstance(stdin.buffer, io.BytesIO):
            # Where the wrapper stands (a cookie: its offset in the bytes, or more for a stateful
            # decoder); one the tests iterated with next() cannot tell, and is not told.
            return stdin, stdin.tell(), stdin.buffer.getvalue()
    except (ValueError, OSError):  # closed, or a place it cannot tell
        pass
    return None


# The candidate's side: the text input it was told (and how far it has said it read), if any.
_TOLD_INPUT: list[io.StringIO | None] = [None]
_REPORTED = [0]


def take(settings: object) -> None:
    """The judge's settings, in this (the candidate's) process; anything malformed is left alone."""
    if type(settings) is not list or len(settings) != 5:
        return
    limit, digits, rounding, given, argv = settings
    if type(limit) is int:
        sys.setrecursionlimit(min(max(limit, _FEWEST_FRAMES), _MOST_FRAMES))
    context = decimal.getcontext()
    if type(digits) is int:
        context.prec = min(max(digits, 1), _MOST_DIGITS)
    if rounding in _ROUNDINGS:
        context.rounding = str(rounding)
    _take_input(given)
    if type(argv) is list and all(type(word) is str for word in argv):
        sys.argv = argv


def _take_input(given: object) -> None:
    if given is None:  # as it was: the candidate reads on where it stands
        return
    _TOLD_INPUT[0], _REPORTED[0] = None, 0
    if given is False:
        sys.stdin = sys.__stdin__
    elif type(given) is list and len(given) == 2 and type(given[0]) is str and given[1] is False:
        sys.stdin = _TOLD_INPUT[0] = io.StringIO(given[0])
    elif type(given) is list and len(given) == 2 and type(given[0]) is str and type(given[1]) is str:
        try:
            encoding = codecs.lookup(given[1]).name
        except LookupError:
            encoding = "utf-8"
        sys.stdin = io.TextIOWrapper(io.BytesIO(given[0].encode("latin-1", "replace")), encoding=encoding)


def read_so_far() -> int | None:
    """How far the candidate has read the text input it was told, where that moved since it last
    said; else None."""
    stream = _TOLD_INPUT[0]
    if stream is None or stream.closed or stream.tell() == _REPORTED[0]:
        return None
    _REPORTED[0] = stream.tell()
    return _REPORTED[0]
