"""One press of Generate: streams candidates into the table and sends each distinct finished
program to the sandbox once; identical programs share its result."""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QObject, Signal

from core.candidate import reindexed
from core.ranking_view import program_key
from desktop_app.candidates_model import CANCELLED, DONE, NO_TESTS, NOT_TESTED, QUEUED, RUNNING, CandidatesModel

_run_ids = itertools.count(1)


class GenerationRun(QObject):
    changed = Signal()  # something the summary shows changed
    candidate_finished = Signal(object)  # core.candidate.Candidate
    tested = Signal(int, object)  # candidate index, sandbox.RunResult
    tests_done = Signal()

    def __init__(
        self,
        model: CandidatesModel,
        sandbox,
        prompt: str,
        tests: str,
        entry_point: str | None,
        n: int,
        name: str | None = None,
        parent=None,
    ):
        """`n`: the samples asked for; `name`: what History calls the run (None: the function's name)."""
        super().__init__(parent)
        self.model, self.sandbox = model, sandbox
        self.prompt, self.tests, self.entry_point = prompt, tests, entry_point
        self.n, self.name = n, name
        self.id = next(_run_ids)
        self.generating = True
        self.started = time.monotonic()
        self.ended: float | None = None
        self.deltas = 0
        self.params = None  # the SamplingParams Generate used; None for a run reopened from History
        self.branching: int | None = None  # the child candidate being written (desktop_app.branch)
        self._members: dict[str, list[int]] = {}  # program key -> candidate indices
        self._results: dict[str, object] = {}
        sandbox.running.connect(self._on_running)
        sandbox.finished.connect(self._on_result)

    @property
    def tokens_per_s(self) -> float:
        """Tokens written per second, all rows together: those of finished candidates, and one per
        stream event of the rows still being written (an event may carry several). A run reopened
        from History streamed nothing: 0."""
        if not self.deltas:
            return 0.0
        tokens = sum(len(e.candidate.token_ids) if e.candidate is not None else e.deltas for e in self.model.entries)
        return tokens / max(1e-6, (self.ended or time.monotonic()) - self.started)

    @property
    def pending_tests(self) -> int:
        return sum(1 for key in self._members if key not in self._results) if self.tests.strip() else 0

    def missing(self) -> list[int]:
        """The samples this run asked for that have no finished candidate (a Stop or a kill came
        first): what "Finish the missing samples" draws."""
        done = {c.index for c in self.model.finished() if c.finish_reason != "cancelled"}
        return [i for i in range(self.n) if i not in done]

    def start_missing(self, indices: list[int]) -> None:
        self.model.reopen(indices)
        self.generating = True

    def start_branch(self, branch) -> int:
        """Adds the row of a child that continues from `branch`, and returns its index; the
        engine writes it as sample 0 of a one-sample request."""
        self.branching = max((e.index for e in self.model.entries), default=-1) + 1
        self.model.add_branch(self.branching, branch)
        self.generating = True  # run_finished comes again once the child is tested
        return self.branching

    def on_events(self, events) -> None:
        if self.branching is not None:
            events = [reindexed(e, [self.branching]) for e in events]
        self.deltas += sum(1 for e in events if not hasattr(e, "candidate"))
        for candidate in self.model.apply(events):
            self.candidate_finished.emit(candidate)
            self.test(candidate)
        self.changed.emit()

    def end_generation(self) -> None:
        if self.branching is not None and self.model.entry(self.branching).candidate is None:
            self.model.set_test(self.branching, CANCELLED)  # refused or failed: the message bar says why
        self.generating, self.branching = False, None
        self.ended = time.monotonic()
        self._maybe_done()

    def test(self, candidate) -> None:
        """Sends a finished candidate to the sandbox (or says why it is not tested)."""
        if candidate.finish_reason == "cancelled":  # cut off by Stop: not a program the model finished
            self.model.set_test(candidate.index, CANCELLED)
            return
        if not self.tests.strip():
            self.model.set_test(candidate.index, NO_TESTS)
            return
        if self.sandbox.pool is None:
            self.model.set_test(candidate.index, NOT_TESTED)
            return
        key = program_key(candidate.text)
        members = self._members.setdefault(key, [])
        members.append(candidate.index)
        if key in self._results:
            self._set_result(candidate.index, self._results[key])
        elif len(members) == 1:
            from sandbox import Program

            self.model.set_test(candidate.index, QUEUED)
            self.sandbox.submit((self.id, key), Program(self.prompt, candidate.text, self.tests, self.entry_point))
        else:
            self.model.set_test(candidate.index, self.model.entry(members[0]).test)

    def _on_running(self, key) -> None:
        run_id, program = key
        if run_id == self.id:
            for index in self._members[program]:
                self.model.set_test(index, RUNNING)

    def _on_result(self, key, result) -> None:
        run_id, program = key
        if run_id != self.id:
            return
        self._results[program] = result
        for index in self._members[program]:
            self._set_result(index, result)
        self.changed.emit()
        self._maybe_done()

    def _set_result(self, index: int, result) -> None:
        self.model.set_test(index, DONE, result)
        self.tested.emit(index, result)

    def _maybe_done(self) -> None:
        if not self.generating and self.pending_tests == 0:
            self.tests_done.emit()

    def abandon(self) -> None:
        """Stops waiting for this run's tests (a new run started or the window closes)."""
        self.sandbox.cancel([(self.id, key) for key in self._members if key not in self._results])
        self.sandbox.running.disconnect(self._on_running)
        self.sandbox.finished.disconnect(self._on_result)
