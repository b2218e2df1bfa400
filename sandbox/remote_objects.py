"""What stands in one process for a function or an iterator the other process keeps, and how one
of ours is served to the other (sandbox.calls carries the calls)."""

from __future__ import annotations

import collections
import types
from collections.abc import Callable, Coroutine, Iterator
from typing import cast

MOST_ITEMS_A_PULL = 1024
# Items pulled one by one before pulls grow: a coroutine driven with send(), a test that counts how
# far a generator ran, or one that takes some of an iterator and reads on from where the candidate
# stopped, seldom goes further (64 was too few: probe 11 counted to 65 and read the 101st item).
# A pull costs about 50 µs: 1,024 of them 50 ms, after which a long iterator costs few calls.
_SINGLE_PULLS = 1024


class UnusableItems(Exception):
    """An iterator's owner answered a pull with something that is no items."""


class Source:
    """One of our iterators as the other side pulls it: up to `count` items a call, whether it is
    done, and the value it returned (a generator's, for `yield from`); or the one item
    `send(value)` gives; or `close` it. An exception after some items is kept for the next pull,
    as the iterator would raise it after giving them."""

    def __init__(self, iterator: Iterator[object], makes_exceptions: bool = False):
        self.iterator: Iterator[object] = iterator
        self.pending: BaseException | None = None
        # Whether throw() may name a class for this side to make (the candidate's): the judge
        # takes only the other side's own exception, since one it made, a MemoryError say, would
        # read as the judge's own (red-team 17).
        self.makes_exceptions = makes_exceptions

    def __call__(
        self, count: int, *sent: object, close: bool = False, throw: object = None
    ) -> tuple[list[object], bool, object]:
        if close:
            closing = getattr(self.iterator, "close", None)
            if closing is not None:
                closing()
            return [], True, None
        if throw is not None:  # raised in the generator where it stands: its next item, or what it lets out
            thrower = getattr(self.iterator, "throw", None)
            if thrower is None:
                raise TypeError(f"{type(self.iterator).__name__} has no throw()")
            if not isinstance(throw, BaseException) and not self.makes_exceptions:
                raise TypeError("throw() takes an exception the other side made")
            try:
                return [thrower(throw)], False, None
            except StopIteration as stop:
                return [], True, stop.value
        if self.pending is not None:
            pending, self.pending = self.pending, None
            raise pending
        items: list[object] = []
        while len(items) < min(count, MOST_ITEMS_A_PULL):
            try:
                send = getattr(self.iterator, "send", None) if sent else None
                items.append(send(sent[0]) if send is not None else next(self.iterator))
                if _holds_iterator(items[-1]):
                    break  # taken before the next is made: itertools.groupby's next key ends its group
            except StopIteration as stop:
                return items, True, stop.value
            except BaseException as exc:
                if not items:
                    raise
                self.pending = exc
                break
        return items, False, None


def _holds_iterator(item: object) -> bool:
    """Whether an item is an iterator or a tuple holding one (groupby's (key, group)): one that the
    next item may use up, so the receiver must take it before the next is made (probe 5)."""
    return isinstance(item, Iterator) or (type(item) is tuple and any(isinstance(part, Iterator) for part in item))


class RemoteIterator:
    """An iterator the other side keeps. Its items are pulled as they are taken: one by one at
    first (a coroutine driven with send() sees its values in order), then twice as many each time
    up to MOST_ITEMS_A_PULL, so that a long one costs few calls and an endless one still works."""

    def __init__(self, pull: Callable[[tuple[object, ...], dict[str, object]], object], makes_exceptions: bool = False):
        self._pull, self._items, self._done, self._pulls = pull, collections.deque[object](), False, 0
        self.makes_exceptions = makes_exceptions  # whether this side (the candidate's) makes what it throws
        self._returned: object = None

    def __iter__(self) -> RemoteIterator:
        return self

    def __length_hint__(self) -> int:
        """list(), tuple() and sorted() ask this before they take every item: pulls grow at once."""
        self._pulls = max(self._pulls, _SINGLE_PULLS)
        return 0

    def __next__(self) -> object:
        while not self._items:
            if self._done:
                raise StopIteration(self._returned)
            size = 1 if self._pulls < _SINGLE_PULLS else min(2 ** (self._pulls - _SINGLE_PULLS + 1), MOST_ITEMS_A_PULL)
            self._take(self._pull((size,), {}))
        return self._items.popleft()

    def send(self, value: object) -> object:
        """As a generator's send(): the owner's generator takes `value` and gives its next item."""
        self._unread("send to")
        if self._done:
            raise StopIteration(self._returned)
        return self._next_given((1, value), {})

    def throw(self, kind: object, value: object = None, _traceback: object = None) -> object:
        """As a generator's throw(): the exception is raised in the owner's generator where it
        stands, which gives its next item or lets the exception out."""
        self._unread("throw into")
        raised = kind if value is None else value
        if isinstance(kind, type) and issubclass(kind, BaseException) and not isinstance(value, BaseException):
            # throw(ValueError, "bad"): made here, by the side that throws. The judge sends a class
            # alone as it is, so that the candidate makes its own (the prompt's) exception of it;
            # it takes only exceptions the other side made.
            if value is not None or self.makes_exceptions:
                raised = kind() if value is None else kind(value)
        if self._done:  # as a finished generator's: raised here (a TypeError for what is no exception)
            raise cast("BaseException", raised)
        return self._next_given((1,), {"throw": raised})

    def _unread(self, doing: str) -> None:
        """send() and throw() reach the owner's generator where it stands: not past items pulled ahead."""
        if self._items:
            raise RuntimeError(f"cannot {doing} a generator whose next items were already read")

    def _next_given(self, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
        """The item the owner's generator gives after it took a sent value or a thrown exception."""
        self._take(self._pull(args, kwargs))
        if not self._items:
            raise StopIteration(self._returned)
        return self._items.popleft()

    def close(self) -> None:
        """As a generator's close(): the owner's generator is closed (its `finally` runs there)."""
        if not self._done:
            self._items.clear()
            self._take(self._pull((0,), {"close": True}))

    def _take(self, pulled: object) -> None:
        if type(pulled) is not tuple or len(pulled) != 3 or type(pulled[0]) is not list:
            raise UnusableItems("an iterator's owner sent an unusable answer")
        self._items.extend(pulled[0])
        self._done, self._returned, self._pulls = bool(pulled[1]), pulled[2], self._pulls + 1


class RemoteFunction:
    """A function the other side keeps: calling it runs it there. Its name and docstring are those it
    had when it was handed over; other attributes (a counter a decorator keeps on its wrapper) are
    read from the owner when `attribute` is given, at each use."""

    def __init__(
        self,
        call: Callable[[tuple[object, ...], dict[str, object]], object],
        name: str,
        doc: str | None,
        attribute: Callable[[str], object] | None,
        binds: bool = False,
    ):
        vars(self).update(
            __name__=name,
            __qualname__=name,
            __doc__=doc,
            _sandbox_call=call,
            _sandbox_attribute=attribute,
            _sandbox_binds=binds,
        )

    def __call__(self, /, *args: object, **kwargs: object) -> object:  # a keyword named self is the caller's
        return vars(self)["_sandbox_call"](args, kwargs)

    def __get__(self, instance: object, owner: type | None = None) -> object:
        """On a class, bound to the instance where it stands for a Python function, as that would be:
        a decorator's wrapper of a method (probe 11); a builtin or a partial is not (the review)."""
        return types.MethodType(self, instance) if instance is not None and vars(self)["_sandbox_binds"] else self

    def __getattr__(self, name: str) -> object:  # only for names not found here
        attribute = vars(self).get("_sandbox_attribute")
        # copy's and pickle's probes stay local; a decorator's __wrapped__ (functools.cache's, one
        # made with functools.wraps) is the owner's to say (probe 7: inspect.unwrap, the tests' reach
        # past a cache).
        if attribute is None or (name.startswith("__") and name != "__wrapped__"):
            raise AttributeError(name)
        return attribute(name)

    def __repr__(self) -> str:
        return f"<function {vars(self)['__name__']} of the other process>"


def run_to_end(coroutine: Coroutine[object, object, object]) -> object:
    """One of our coroutines, run as the other side awaits it: to its end, on an event loop of ours
    (asyncio's, made for it). Tasks of the two sides do not interleave; its result is the same.
    Where a loop of ours is running already (the other side awaits it from inside a coroutine we
    run), the new loop runs on a thread of its own, as one thread holds one running loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    import concurrent.futures
    import contextvars

    with concurrent.futures.ThreadPoolExecutor(1) as aside:  # in this thread's context: its chain of calls
        return aside.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


async def awaiting(call: Callable[[tuple[object, ...], dict[str, object]], object]) -> object:
    """What stands here for the other side's coroutine: a coroutine of ours, to await or give to
    asyncio.run as the original, which runs the original there when it is."""
    return call((), {})
