"""The two pipes of a call channel (sandbox.calls): frames written and read, and how the channel
breaks, for good, when a frame is cut off or the other process is gone; and the turns threads take on it."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

from sandbox import frames
from sandbox.codec import CodecError

JUDGE, CANDIDATE = "judge", "candidate"


class Broken(BaseException):
    """The channel is of no more use: the other process is gone (`lost`), or it broke the protocol
    and the stream is out of step. A BaseException, so that the tests' or the candidate's
    `except Exception` does not swallow it."""

    def __init__(self, message: str, lost: bool = True):
        super().__init__(message)
        self.lost = lost


class TooLarge(CodecError):
    """A frame too large for the other side to read, refused before it is written; `frame`: it."""

    def __init__(self, message: str, frame: object):
        super().__init__(message)
        self.frame = frame


class Unusable(Exception):
    """An answer the other side sent that cannot be used (the stream is still in step)."""


# The channels this chain of calls holds (Pipes.turn), by id.
_HOLDING: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar("sandbox_holding", default=frozenset())


class Pipes:
    """One side's ends of the two pipes; `limits`: the most a frame we read may hold (sandbox.frames)."""

    def __init__(self, me: str, write_fd: int, read_fd: int, limits: tuple[int, int]):
        self.me, self.other = me, CANDIDATE if me == JUDGE else JUDGE
        self.write_fd, self.read_fd, self.limits = write_fd, read_fd, limits
        self.broken: Broken | None = None
        self._channel = threading.Lock()  # held by one chain of calls at a time (`turn`)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Threads take turns: the channel holds one chain of calls and answers at a time (probe 6:
        a candidate's threads read each other's answers, and hung). A call made within the chain
        that holds it goes on: one nested in an answer, or one from the thread an answer waits for
        (an awaited coroutine run aside, which carries the chain's context; red-team 18)."""
        held = _HOLDING.get()
        if id(self) in held:
            yield
            return
        with self._channel:
            token = _HOLDING.set(held | {id(self)})
            try:
                yield
            finally:
                _HOLDING.reset(token)

    # Anything else that stops a frame halfway (a tests' alarm handler raising in the middle of a
    # read) leaves the stream out of step: the channel is broken, and the exception goes on.

    def _send(self, message: list[object]) -> None:
        try:
            data = frames.dumps(message)
        except BaseException:
            self._break(f"a frame to the {self.other} was cut off", lost=False)
            raise
        if len(data) > frames.MAX_FRAME:
            # Refused here, in words, with the channel in step: the other side would refuse the
            # frame and the run wait for its deadline (the tests' input, red-team round 21).
            raise TooLarge(
                f"{len(data):,} bytes, more than a frame can carry ({frames.MAX_FRAME:,}): a call's arguments, the"
                " input or command line the tests give, an answer or what was printed is too large",
                message,
            )
        try:
            frames.write_data(self.write_fd, data)
        except (BrokenPipeError, ConnectionError):
            raise self._break(f"{self.other} process is gone") from None
        except BaseException:
            self._break(f"a frame to the {self.other} was cut off", lost=False)
            raise

    def _receive(self) -> list[object]:
        try:
            message = frames.read_frame(self.read_fd, self.limits)
        except frames.Truncated:  # how it ended (a deadline's kill, say) is the verdict's to tell
            raise self._break(f"{self.other} process is gone (mid-frame)") from None
        except frames.FrameError as exc:
            raise self._break(f"{self.other} sent a malformed frame ({exc})", lost=False) from None
        except ConnectionError:
            message = None
        except BaseException:
            self._break(f"a frame from the {self.other} was cut off", lost=False)
            raise
        if message is None:
            raise self._break(f"{self.other} process is gone")
        if type(message) is not list or not message or type(message[0]) is not str:
            raise Unusable(f"the {self.other} sent an unusable answer")  # a JSON object or scalar it wrote itself
        return message

    def _break(self, message: str, lost: bool = True) -> Broken:
        self.broken = Broken(message, lost)
        return self.broken
