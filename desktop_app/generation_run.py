"""One press of Generate, as the table shows it. The engine host samples and tests the run
(core.host.runs, on core.pipeline, with the app's one sandbox pool); this object applies the
events it sends back: token deltas stream into the rows, finished candidates wait for their
verdict, and verdicts fill the Tests column. A copy of a program already tested shares its verdict
there, as everywhere else."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from core.pipeline import CandidateArrived, Harness, VerdictArrived
from core.sampling.candidate import CandidateDone, TokenDelta
from desktop_app.candidates_model import CANCELLED, DONE, NO_TESTS, NOT_TESTED, QUEUED, CandidatesModel

_run_ids = itertools.count(1)


class GenerationRun(QObject):
    changed = Signal()  # something the summary shows changed
    candidate_finished = Signal(object)  # core.sampling.candidate.Candidate
    tested = Signal(int, object)  # candidate index, sandbox.RunResult
    tests_done = Signal()

    def __init__(
        self,
        model: CandidatesModel,
        engine,
        prompt: str,
        tests: str,
        entry_point: str | None,
        n: int,
        name: str | None = None,
        parent=None,
    ):
        """`engine`: the EngineClient that runs it; `n`: the samples asked for; `name`: what
        History calls the run (None: the function's name)."""
        super().__init__(parent)
        self.model, self.engine = model, engine
        self.prompt, self.tests, self.entry_point = prompt, tests, entry_point
        self.n, self.name = n, name
        self.id = next(_run_ids)
        self.generating = True
        self.started = time.monotonic()
        # When the last token or candidate arrived: the end of generation, since tests run on after it.
        self.last_written: float | None = None
        self.deltas = 0
        self.params = None  # the SamplingParams Generate used; None for a run reopened from History
        self.branching: int | None = None  # the child candidate being written (desktop_app.branch)
        # The id of the RunTests of saved candidates still out (test_saved): their events are this
        # run's under another id, so that a branch's remapping never takes them.
        self.saved_tests_id: int | None = None

    @property
    def harness(self) -> Harness | None:
        """What the sandbox runs each candidate against; None when the run has no tests."""
        if not self.tests.strip() or self.entry_point is None:
            return None
        return Harness(self.prompt, self.tests, self.entry_point)

    @property
    def tokens_per_s(self) -> float:
        """Tokens written per second, all rows together: those of finished candidates, and one per
        stream event of the rows still being written (an event may carry several). A run reopened
        from History streamed nothing: 0."""
        if not self.deltas:
            return 0.0
        tokens = sum(len(e.candidate.token_ids) if e.candidate is not None else e.deltas for e in self.model.entries)
        return tokens / max(1e-6, (self.last_written or time.monotonic()) - self.started)

    @property
    def pending_tests(self) -> int:
        return sum(1 for e in self.model.entries if e.test == QUEUED)

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

    def on_events(self, events, saved: bool = False) -> None:
        """Applies a batch of the engine host's events for this run (core.host.protocol.RunEvent);
        `saved`: of the RunTests of its saved candidates, not of a Generate."""
        if self.branching is not None and not saved:
            events = [_as_child(e, self.branching) for e in events]
        stream = [e if isinstance(e, TokenDelta) else CandidateDone(e.candidate) for e in events if _streams(e)]
        self.deltas += sum(1 for e in stream if isinstance(e, TokenDelta))
        if stream:
            self.last_written = time.monotonic()
        for candidate in self.model.apply(stream):
            self.model.set_test(candidate.index, self._waiting_state(candidate))
            self.candidate_finished.emit(candidate)
        for verdict in (e for e in events if isinstance(e, VerdictArrived)):
            self.model.set_test(verdict.index, DONE, verdict.result)
            self.tested.emit(verdict.index, verdict.result)
        self.changed.emit()

    def _waiting_state(self, candidate) -> str:
        """What a finished candidate's Tests cell says until its verdict comes."""
        if candidate.finish_reason == "cancelled":  # cut off by Stop: not a program the model finished
            return CANCELLED
        if self.harness is None:
            return NO_TESTS
        return NOT_TESTED if self.engine.sandbox_error is not None else QUEUED

    def end_generation(self) -> None:
        """The engine host finished the run's generation and tests (or failed)."""
        if self.branching is not None and self.model.entry(self.branching).candidate is None:
            self.model.set_test(self.branching, CANCELLED)  # refused or failed: the message bar says why
        self.generating, self.branching = False, None
        if self.saved_tests_id is None:
            self.end_tests()

    def test_saved(self, candidates) -> None:
        """Asks the engine host for the verdicts of finished candidates that have none (a run
        reopened after the app stopped before testing them)."""
        harness = self.harness
        waiting = [c for c in candidates if c.finish_reason != "cancelled"]
        for c in candidates:
            self.model.set_test(c.index, self._waiting_state(c))
        if harness is not None and waiting and self.engine.sandbox_error is None:
            self.saved_tests_id = next(_run_ids)
            self.engine.test(self.saved_tests_id, waiting, harness)

    def end_tests(self) -> None:
        """No more verdicts will come: a candidate still waiting for one stays untested."""
        self.saved_tests_id = None
        for entry in self.model.entries:
            if entry.test == QUEUED:
                self.model.set_test(entry.index, NOT_TESTED)
        if not self.generating:
            self.changed.emit()
            self.tests_done.emit()


def _streams(event) -> bool:
    return isinstance(event, TokenDelta | CandidateArrived)


def _as_child(event, index: int):
    """An event of a branch's one-sample request, for the child's row `index`."""
    if isinstance(event, TokenDelta):
        return replace(event, index=index)
    if isinstance(event, CandidateArrived):
        return CandidateArrived(replace(event.candidate, index=index))
    return VerdictArrived(index, event.result, index)
