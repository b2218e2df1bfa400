"""Work the window does one piece per turn of the event loop, so that input and paint come between
the pieces. A piece that takes 10-25 ms is fine on its own; several in one handler held the window
for 50-75 ms (the UI latency benchmark's sweep and Compare sections, BENCHMARKS.md).

A piece is queued under a key: queued again before its turn, it takes the new work and goes to the
back of the queue, so that a view asked twice is drawn once, from the latest data."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable

from PySide6.QtCore import QTimer


class Turns:
    def __init__(self) -> None:
        self._waiting: dict[Hashable, Callable[[], None]] = {}
        self._timer = QTimer(interval=0)
        self._timer.timeout.connect(self._next)

    def add(self, key: Hashable, work: Callable[[], None]) -> None:
        self._waiting.pop(key, None)
        self._waiting[key] = work
        self._timer.start()

    def drop(self, key: Hashable) -> None:
        self._waiting.pop(key, None)

    def waiting(self, key: Hashable) -> bool:
        return key in self._waiting

    def _next(self) -> None:
        if self._waiting:
            key = next(iter(self._waiting))
            self._waiting.pop(key)()
        if not self._waiting:
            self._timer.stop()


@functools.cache
def turns() -> Turns:
    """The window's one queue, made at its first use: its QTimer needs the application's thread."""
    return Turns()
