"""The state of the judge's process that the tests may change for the candidate's sake, as they
would in one process: the recursion limit (for a deep recursive candidate), the decimal context's
precision and rounding (`localcontext(prec=50)` around a call), the standard input the tests give
(`sys.stdin = io.StringIO("3 4\\n")`, or a text wrapper over bytes, as a harness of competition
problems sets it before a candidate that calls input()) and the command line (`sys.argv`). The
judge's call carries what changed since it last said (`Told`, sandbox.calls); the candidate takes
it within bounds (`take`). What the candidate reads of a text input comes back with its answer
(`read_so_far`), and the tests' stream moves on as far, as in one process: tests that give the
same stream again from its start (`seek(0)`) are seen to.

Not the random generator: its state holds the words already drawn, and a copy of it replays the
draws to come, so a candidate told it recovered what the tests drew and never showed it (the
string HumanEval/38 encodes) and passed without solving (red-team round 20). A candidate draws
from its own generator, and tests that seed theirs to compare with its draws fail."""

from __future__ import annotations

import codecs
import decimal
import io
import sys

from sandbox.codec import CodecError

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
# The most input a call tells, as JSON, well within the candidate's frame limit (sandbox.frames):
# past it the call fails in words, not at the deadline; and the most characters of a command line.
MOST_INPUT_BYTES = 12 << 20
MOST_INPUT_CHARS = 4 << 20

# As they cross: [recursion limit, decimal precision, decimal rounding, the standard input, the
# command line], each of the last two None where it did not change; the input False for the
# process's own, else [what is left to read, False for text or the encoding of bytes (which cross
# as Latin-1 text, as settings cross as JSON)].
Settings = list[object]


class Told:
    """The judge's side: what it last told the candidate, so that a call carries only what changed."""

    def __init__(self) -> None:
        self._said = self._now()
        self._input_from = 0  # where in the tests' stream the text told starts

    def _now(self) -> list[object]:
        context = decimal.getcontext()
        return [sys.getrecursionlimit(), context.prec, context.rounding, _given_input(), list(sys.argv)]

    @staticmethod
    def _argv_told(argv: list[object]) -> list[str]:
        told = [str(word) for word in argv]  # a pathlib.Path among them, as argparse takes it
        if sum(map(len, told)) > MOST_INPUT_CHARS:
            raise CodecError(f"the command line the tests set is longer than a call can take ({MOST_INPUT_CHARS:,})")
        return told

    def changes(self) -> Settings | None:
        """The settings a call carries, or None where nothing changed since the last that did."""
        now = self._now()
        if now == self._said:
            return None
        said, self._said = self._said, now
        told: Settings = [now[0], now[1], now[2], None, None]
        if now[3] != said[3]:
            told[3] = self._input_told(now[3])
        if now[4] != said[4]:
            told[4] = self._argv_told(now[4])  # type: ignore[arg-type]
        return told

    def _input_told(self, given: object) -> object:
        if not isinstance(given, tuple):
            return False  # the process's own, given back
        stream, at = given
        self._input_from = at
        if isinstance(stream, io.StringIO):
            text, kind = stream.getvalue()[at:], False
        else:
            # A text wrapper over bytes, which sys.stdin.buffer reads: what is left of it from where
            # the wrapper stands (it reads ahead of what it gave, red-team round 21), as bytes in its
            # encoding, crossing as Latin-1 text, which keeps each byte.
            text = stream.read().encode(stream.encoding, "surrogateescape").decode("latin-1")
            stream.seek(at)
            kind = stream.encoding
        # Settings cross as JSON, which writes a character beyond ASCII in up to 12 bytes.
        if len(text) + 11 * (len(text) - len(text.encode("ascii", "ignore"))) > MOST_INPUT_BYTES:
            raise CodecError(
                f"the standard input the tests give ({len(text):,} characters) is more than a call can take"
            )
        return [text, kind]

    def read_to(self, read: object) -> None:
        """The tests' text input moved on as far as the candidate read its copy (`read` characters)."""
        given = self._said[3]
        if type(read) is not int or not isinstance(given, tuple) or not isinstance(given[0], io.StringIO):
            return
        stream = given[0]
        if stream is not sys.stdin or stream.closed:
            return
        at = min(
            max(self._input_from + read, self._input_from), len(stream.getvalue())
        )  # the candidate's word: bounded
        stream.seek(at)
        self._said[3] = (stream, at)


def _given_input() -> tuple[io.StringIO | io.TextIOWrapper, int] | None:
    """The tests' standard input where they gave it as text in memory, and where it stands: the
    stream itself, not its id (held, it cannot be freed and its id given to the next)."""
    stdin = sys.stdin
    try:
        if isinstance(stdin, io.StringIO):
            return stdin, stdin.tell()
        if isinstance(stdin, io.TextIOWrapper) and isinstance(stdin.buffer, io.BytesIO):
            return stdin, stdin.tell()  # the wrapper's own place: its buffer's runs ahead
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
