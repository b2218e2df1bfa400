"""Calls between the judge and the candidate, each process running only its own code.

A call travels as ["call", handle, arguments, keyword arguments] in plain data (sandbox.codec),
its answer as ["ok", result, changes, returned, rss] or ["exc", type name, message, rss]
(sandbox.arguments says what `changes` and `returned` carry; rss is the answering process's peak
memory, for display). A function crosses as ["FN", owner, handle], owner being "judge" or
"candidate": a process given the other's function gets a stand-in that asks the owner to run it,
and its own function comes home as itself. So the tests can hand the candidate a key function
and the candidate can return a closure, and still no process runs the other's code. While a side
waits for its answer it answers the other's calls (the key function the candidate calls while
the judge waits on it), so calls nest as they would in one process.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import cast

from sandbox import arguments, codec
from sandbox.codec import Plain

JUDGE, CANDIDATE = "judge", "candidate"
_MOST_HANDLES = 1 << 20  # stand-ins a side makes for the other's functions, at the other's word


class Broken(BaseException):
    """The channel is of no more use: the other process is gone (`lost`), or it broke the protocol
    and the stream is out of step. A BaseException, so that the tests' or the candidate's
    `except Exception` does not swallow it."""

    def __init__(self, message: str, lost: bool = True):
        super().__init__(message)
        self.lost = lost


class Unusable(Exception):
    """An answer the other side sent that cannot be used (the stream is still in step)."""


def text_of(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a program's exception may raise anything from __str__
        return "<unprintable>"


def builtin_exception(name: str, message: str) -> BaseException:
    """The exception the other side reported, as a builtin of that name where there is one."""
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 - a builtin whose constructor wants other arguments
            pass
    return RuntimeError(f"{name}: {message}" if message else name)


class Peer:
    """One side of the channel: calls the other side's functions and answers its calls to ours.

    `classes`: the names whose classes a value may be rebuilt as (codec.from_plain); `rebuild`:
    the exception to raise for one the other side reports; `iterators`: whether an iterator we
    send crosses as its items; `limits`: the most a frame we read may hold (codec.read_frame);
    `before_answer` runs before each answer is sent, `rss` gives the peak memory it reports."""

    def __init__(
        self,
        me: str,
        write_fd: int,
        read_fd: int,
        *,
        classes: Mapping[str, object],
        rebuild: Callable[[str, str], BaseException] = builtin_exception,
        iterators: bool = True,
        limits: tuple[int, int] = (codec.MAX_FRAME, codec.MAX_FRAME),
        before_answer: Callable[[], None] = lambda: None,
        rss: Callable[[], int] = lambda: 0,
    ):
        self.me, self.other = me, CANDIDATE if me == JUDGE else JUDGE
        self.write_fd, self.read_fd, self.limits = write_fd, read_fd, limits
        self.classes, self.rebuild, self.iterators = classes, rebuild, iterators
        self.before_answer, self.rss_now = before_answer, rss
        self.rss = 0  # the most the other side reported: display only, it is the other's word
        self.broken: Broken | None = None
        self._own: list[Callable[..., object]] = []  # by handle; kept, so that no id is reused
        self._handles: dict[int, int] = {}  # id of one of ours -> its handle
        self._stand_ins: dict[int, Callable[..., object]] = {}  # the other's handle -> its stand-in
        self._stand_in_handles: dict[int, int] = {}  # id of a stand-in -> the other's handle

    # ---- functions as handles ----------------------------------------------------------------

    def own(self, fn: Callable[..., object]) -> int:
        """The handle under which the other side may call `fn`."""
        handle = self._handles.get(id(fn))
        if handle is None:
            handle = self._handles[id(fn)] = len(self._own)
            self._own.append(fn)
        return handle

    def stand_in(self, handle: int, name: str = "function") -> Callable[..., object]:
        """The callable that runs the other side's function `handle` there."""
        if handle not in self._stand_ins:

            def call(*args: object, **kwargs: object) -> object:
                return self.call(handle, args, kwargs)

            call.__name__ = call.__qualname__ = name
            self._stand_ins[handle] = call
            self._stand_in_handles[id(call)] = handle
        return self._stand_ins[handle]

    def _function_out(self, fn: object) -> Plain:
        theirs = self._stand_in_handles.get(id(fn))
        if theirs is not None:
            return ["FN", self.other, theirs]
        return ["FN", self.me, self.own(cast("Callable[..., object]", fn))]  # to_plain sends only callables here

    def _function_in(self, parts: list[object]) -> object:
        owner, handle = parts if len(parts) == 2 else (None, None)
        if type(handle) is not int or not 0 <= handle < _MOST_HANDLES:
            raise codec.CodecError("malformed function")
        if owner == self.me and handle < len(self._own):
            return self._own[handle]
        if owner == self.other:
            return self.stand_in(handle)
        raise codec.CodecError("no such function")

    def encode(self, value: object) -> Plain:
        return codec.to_plain(value, iterators=self.iterators, functions=self._function_out)

    def decode(self, plain: object) -> object:
        return codec.from_plain(plain, classes=self.classes, functions=self._function_in)

    # ---- calling the other side ----------------------------------------------------------------

    def call(self, handle: int, args: tuple[object, ...], kwargs: Mapping[str, object]) -> object:
        """Runs the other side's function `handle` there; answers its calls meanwhile."""
        if self.broken is not None:
            raise Broken(str(self.broken), self.broken.lost)
        # A CodecError here is the caller's: an argument of a type that cannot cross.
        self._send(["call", handle, self.encode(list(args)), self.encode(dict(kwargs))])
        while True:
            message = self._receive()
            if message[0] != "call":
                return self._outcome(message, args, kwargs)
            self._answer(message)

    def _outcome(self, message: list[object], args: tuple[object, ...], kwargs: Mapping[str, object]) -> object:
        if message[0] == "exc" and len(message) == 4:
            self._note_rss(message[3])
            raise self.rebuild(str(message[1])[:200], str(message[2])[:2000])
        if message[0] != "ok" or len(message) != 5:
            raise Unusable(f"{self.other} sent an unusable answer")
        self._note_rss(message[4])
        try:
            for position, content in cast("list[list[object]]", message[2]):  # a bad shape: the except
                arguments.write_back(arguments.argument(args, kwargs, position), self.decode(content))
            if message[3] is not None:
                return arguments.argument(args, kwargs, message[3])
            return self.decode(message[1])
        except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
            raise Unusable(f"{self.other} sent an unusable answer: {exc}") from None

    def _note_rss(self, value: object) -> None:
        if type(value) is int:
            self.rss = max(self.rss, value)

    # ---- answering its calls -------------------------------------------------------------------

    def serve(self) -> None:
        """Answers the other side's calls until it closes the channel."""
        while True:
            try:
                message = self._receive()
            except Broken:
                return
            except Unusable:
                continue
            if message[0] == "call":
                self._answer(message)

    def _answer(self, message: list[object]) -> None:
        """Runs one of our functions for the other side and sends what came of it."""
        reply: list[object]
        try:
            handle = message[1] if len(message) == 4 else None
            if type(handle) is not int or not 0 <= handle < len(self._own):
                raise LookupError(f"the {self.me} has no such function")
            args, kwargs = self.decode(message[2]), self.decode(message[3])
            if type(args) is not list or type(kwargs) is not dict:
                raise TypeError("malformed call")
            result = self._own[handle](*args, **kwargs)
            returned = arguments.returned(result, args, kwargs)
            changes = arguments.changes(_sent(message), args, kwargs, self.encode)
            reply = ["ok", None if returned is not None else self.encode(result), changes, returned]
        except Broken:
            raise
        except BaseException as exc:  # noqa: BLE001 - whatever the function raised is its answer
            reply = ["exc", type(exc).__name__, text_of(exc)]
        self.before_answer()
        reply.append(self.rss_now())
        self._send(reply)

    # ---- frames --------------------------------------------------------------------------------

    def _send(self, message: list[object]) -> None:
        try:
            codec.write_frame(self.write_fd, message)
        except OSError:  # BrokenPipeError, or the descriptor is gone
            raise self._break(f"{self.other} process is gone") from None

    def _receive(self) -> list[object]:
        try:
            message = codec.read_frame(self.read_fd, self.limits)
        except codec.CodecError as exc:
            raise self._break(f"{self.other} sent a malformed frame ({exc})", lost=False) from None
        except OSError:
            message = None
        if message is None:
            raise self._break(f"{self.other} process is gone")
        if type(message) is not list or not message or type(message[0]) is not str:
            raise Unusable(f"{self.other} sent an unusable answer")  # a JSON object or scalar it wrote itself
        return message

    def _break(self, message: str, lost: bool = True) -> Broken:
        self.broken = Broken(message, lost)
        return self.broken


def _sent(call: list[object]) -> dict[arguments.Position, Plain]:
    """Each argument of a call as it was sent, by position. Only for a call whose arguments
    decoded as a list and a dict: they were ["l", items] and ["d", [[name, value], ...]]."""
    items, pairs = cast("tuple[list[Plain], list[list[Plain]]]", (call[2][1], call[3][1]))  # type: ignore[index]
    return {**dict(enumerate(items)), **{cast("str", name): value for name, value in pairs}}
