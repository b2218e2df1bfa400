"""Sandbox runs, one per distinct program: copies of a program share its run and its verdict.

Two programs are the same when their prompt, tests, entry point and time limit are equal and
their completions have the same core.ranking.order.program_key (the one definition of "the same
program"). The sandbox runs each program in a fresh process under the same limits, so a second
run could differ only by chance (a timeout on a busy machine); sharing the verdict saves that run
and makes copies agree everywhere they are shown.

A measurement (eval's pass@k, the lab's sweep) sets `share_verdicts=False`: the estimators treat
each sample as an independent trial, and a program whose outcome depends on chance or on the
machine's load must be drawn as often as the model wrote it.

Used by core.pipeline (live lists) and core.evaluation.evaluate (resumable runs): `on_verdict(tag, result,
first_tag)` is called once per submitted copy, from the pool's thread when the run finishes or
from `submit` when the program's verdict is already in, always under one lock, so a caller may
append to a file there without its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Generic, TypeVar

from core.ranking.order import program_key

if TYPE_CHECKING:  # the sandbox is imported when a program is submitted
    from sandbox import Program, RunResult, SandboxPool

Tag = TypeVar("Tag")
_Key = tuple[str, str, str, str, float, str]


class DistinctRuns(Generic[Tag]):
    def __init__(
        self, pool: SandboxPool, on_verdict: Callable[[Tag, RunResult, Tag], None], share_verdicts: bool = True
    ):
        self.pool, self.on_verdict, self.share_verdicts = pool, on_verdict, share_verdicts
        self.changed = threading.Condition()
        self.first: dict[_Key, Tag] = {}
        self.members: dict[_Key, list[Tag]] = {}
        self.results: dict[_Key, RunResult] = {}
        self.runs: list[Future[RunResult]] = []
        self.submitted = self.finished = 0
        self.failure: BaseException | None = None
        self.stopped = False

    def submit(self, tag: Tag, program: Program, timeout_s: float = 3.0) -> Tag | None:
        """Runs `program` for `tag`, unless a copy of it was submitted before (and verdicts are
        shared): then `tag` shares that run, whose first tag is returned (None when this is the first)."""
        from sandbox import submit_or_refuse

        with self.changed:
            # Without sharing, the submission's number makes every program distinct.
            copy = "" if self.share_verdicts else str(self.submitted)
            key = (program.prompt, program_key(program.completion), program.tests, program.entry_point, timeout_s, copy)
            self.members.setdefault(key, []).append(tag)
            if key in self.first:
                if key in self.results and not self.stopped:
                    self.on_verdict(tag, self.results[key], self.first[key])
                return self.first[key]
            self.first[key] = tag
            self.submitted += 1
        run = submit_or_refuse(self.pool, program, timeout_s)
        with self.changed:
            self.runs.append(run)
        run.add_done_callback(lambda run: self._finished(key, run))
        return None

    def _finished(self, key: _Key, run: Future[RunResult]) -> None:
        with self.changed:
            if not (self.stopped or run.cancelled()):
                error = run.exception()
                if error is not None:  # the sandbox itself failed, not the candidate
                    self.failure = self.failure or error
                else:
                    self.results[key] = run.result()
                    for tag in self.members[key]:
                        self.on_verdict(tag, self.results[key], self.first[key])
            # Counted after the verdicts went out: `pending` 0 means every verdict was delivered.
            self.finished += 1
            self.changed.notify_all()

    def pending(self) -> int:
        """Runs submitted whose verdicts are not delivered yet."""
        with self.changed:
            return self.submitted - self.finished

    def wait(self, timeout_s: float | None = None) -> bool:
        """Blocks until every run submitted has delivered its verdicts, or `timeout_s` passed
        (then False); re-raises a failure of the sandbox itself."""
        with self.changed:
            done = self.changed.wait_for(lambda: self.finished == self.submitted, timeout_s)
        self.raise_failure()
        return done

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def waiting(self) -> list[Tag]:
        """The tags submitted that have no verdict (their run was cancelled or is still going)."""
        with self.changed:
            return [tag for key, tags in self.members.items() if key not in self.results for tag in tags]

    def stop(self) -> None:
        """Keeps the verdicts that are in and drops the rest: runs not finished are cancelled
        (a sandbox.RunFuture also kills a run in progress) and deliver nothing."""
        with self.changed:
            self.stopped = True
            runs = list(self.runs)
        for run in runs:
            run.cancel()
