"""The futures of sandbox runs: one whose cancel() also stops a run in progress, a refused program
as a finished run, and runs in batches as they finish."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures._base import CANCELLED_AND_NOTIFIED, RUNNING
from typing import TYPE_CHECKING

from sandbox.program import Program
from sandbox.results import RunResult
from sandbox.status import ERROR

if TYPE_CHECKING:
    from sandbox.pool import SandboxPool


class RunFuture(Future[RunResult]):
    """A Future whose cancel() also stops a run in progress (the candidate is killed)."""

    _abort: Callable[[], None] | None = None

    def cancel(self) -> bool:
        if super().cancel():
            return True
        with self._condition:
            if self._state != RUNNING:
                return False
            self._state = CANCELLED_AND_NOTIFIED
            for waiter in self._waiters:
                waiter.add_cancelled(self)
            self._condition.notify_all()
        if self._abort is not None:
            self._abort()
        self._invoke_callbacks()  # type: ignore[attr-defined]  # Future's private hook, not in typeshed
        return True


def submit_or_refuse(pool: SandboxPool, program: Program, timeout_s: float = 3.0) -> Future[RunResult]:
    """`pool.submit`, except that a program the pool refuses (over the size limit, an entry point
    that is not a name) comes back as a finished run with status error and the reason: one such
    sample then fails alone, and a batch of them keeps its other results."""
    try:
        return pool.submit(program, timeout_s=timeout_s)
    except ValueError as exc:
        refused: Future[RunResult] = Future()
        refused.set_result(RunResult(ERROR, human_eval_result=f"failed: not run: {exc}"))
        return refused


def as_finished(
    runs: Iterable[Future[RunResult]], cancel: threading.Event | None = None, poll_s: float = 0.1
) -> Iterator[list[Future[RunResult]]]:
    """Yields the runs in batches as they finish. A run may last up to its timeout, so the waits are
    slices of `poll_s` in which a set `cancel` is seen: the runs not finished then are cancelled
    and the iteration ends."""
    pending = set(runs)
    while pending:
        if cancel is not None and cancel.is_set():
            for run in pending:
                run.cancel()
            return
        done, pending = wait(pending, timeout=poll_s, return_when=FIRST_COMPLETED)
        if done:
            yield list(done)
