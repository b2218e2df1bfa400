"""Draws matplotlib figures in a helper process for a tab (the Compare figure, the Sampling lab's
figures with presentation mode's larger text). A figure takes a second or more: in a thread it would
hold the GIL and slow every GUI event meanwhile. The process is spawned at the first drawing (forking
a process that runs Qt's threads is unsafe) and kept for the next.

One drawing runs at a time and only the latest request waits behind it: a tab that asks again
before the last figure came (a sweep sends a snapshot a second) never builds a queue, and only
the figure of its latest request is delivered."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from PySide6.QtCore import QObject, Signal


class FigureDrawer(QObject):
    drawn = Signal(object)  # what the latest request's function returned
    _done = Signal(int, object)  # (request number, Future), from the executor's thread

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._pool: ProcessPoolExecutor | None = None
        self._latest = 0  # number of the latest request
        self._running = False
        self._waiting: tuple[int, Callable, tuple, dict] | None = None
        self._done.connect(self._on_done)  # queued: the slot runs on the GUI thread

    def draw(self, function: Callable, *args, **kwargs) -> None:
        """Calls `function(*args, **kwargs)` in the helper process (both must pickle); its result comes as `drawn`."""
        self._latest += 1
        self._waiting = (self._latest, function, args, kwargs)
        if not self._running:
            self._start()

    def drop(self) -> None:
        """Whatever is being drawn or waits is not delivered (the data it shows is gone)."""
        self._latest += 1
        self._waiting = None

    def _start(self) -> None:
        assert self._waiting is not None
        number, function, args, kwargs = self._waiting
        self._waiting, self._running = None, True
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

        def done(future: Future) -> None:
            try:
                self._done.emit(number, future)
            except RuntimeError:  # the drawer was deleted while its figure was drawn
                pass

        self._pool.submit(function, *args, **kwargs).add_done_callback(done)

    def _on_done(self, number: int, future: Future) -> None:
        self._running = False
        # A drawing cut short by closing, or a broken helper, delivers nothing: the tab's table still stands.
        if number == self._latest and not future.cancelled() and future.exception() is None:
            self.drawn.emit(future.result())
        if self._waiting is not None:
            self._start()

    def shutdown(self) -> None:
        """The window closes: drawings not started are dropped. The one being drawn (a second or two)
        is waited for: leaving it makes the executor's exit hook write to a closed pipe."""
        self._waiting = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
