"""The one generate -> drop duplicate programs -> test -> rank pipeline every front end drives.

`run_pipeline` turns a backend's stream of events into a stream of typed pipeline events:
`CandidateArrived`, `VerdictArrived`, `RankingChanged` and, last, `Done`. It is Qt-free and knows
nothing of files, tables or snapshots: the CLI prints the events, eval appends them to JSONL, the
engine-process jobs fold them into their snapshots.

Policy, where the seven former copies disagreed:
- Verdicts are pipelined: each finished candidate goes to the sandbox as soon as it arrives, so
  the sandbox works while the model writes the next ones. Batching (test after generation) only
  made a user wait longer for the same verdicts.
- Duplicate programs (core.ranking_view.program_key: the one definition of "the same program")
  are tested once, and every copy gets that verdict. Only the Workbench did this; the others ran
  the same program again, which at low temperature is most of the sandbox's work. The sandbox
  runs each program in a fresh process with the same limits, so a second run can only differ by
  chance (a timeout on a busy machine); sharing the verdict also makes copies agree in every view.
- A candidate cut off by cancel (finish_reason "cancelled") is not a program the model finished:
  it is reported but never tested, as the Workbench and From examples did.
- Cancel stops generation (the same Event is the backend's, which ends its stream promptly with
  the candidates it cut off) and cancels the runs not finished; candidates arriving after it are
  reported but not tested, and `Done` says which candidates stayed untested.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.candidate import Candidate, CandidateDone, TokenDelta
from core.ranking_view import program_key, rank

if TYPE_CHECKING:  # the pipeline imports the sandbox only when it tests something
    from sandbox import RunResult

# Wait slices for verdicts after generation ended, so that a set cancel is seen promptly.
POLL_S = 0.1


@dataclass(frozen=True)
class Harness:
    """What each candidate is run against: the sandbox runs prompt + completion, then `tests`,
    which call `entry_point`."""

    prompt: str
    tests: str
    entry_point: str
    timeout_s: float = 3.0


@dataclass(frozen=True)
class CandidateArrived:
    """A finished candidate. `same_as`: the index of the first candidate with the same program,
    whose verdict this one shares; None when it is the first."""

    candidate: Candidate
    same_as: int | None = None


@dataclass(frozen=True)
class VerdictArrived:
    """The sandbox's verdict for candidate `index`; `tested_as` is the candidate whose run it was
    (itself, or the first copy of the same program)."""

    index: int
    result: RunResult
    tested_as: int


@dataclass(frozen=True)
class RankingChanged:
    """The candidates' indices, best first, after an arrival or a verdict changed the order."""

    order: tuple[int, ...]


@dataclass(frozen=True)
class Done:
    """The end: every candidate that arrived (by index), the verdicts, the last order, whether
    cancel ended it, and the candidates that were to be tested but have no verdict."""

    candidates: tuple[Candidate, ...]
    verdicts: Mapping[int, RunResult]
    order: tuple[int, ...]
    cancelled: bool
    untested: tuple[int, ...]


PipelineEvent = CandidateArrived | VerdictArrived | RankingChanged | Done
# Orders the candidates that arrived, given the verdicts so far: candidate indices, best first.
Ranker = Callable[[Sequence[Candidate], Mapping[int, "RunResult"]], Sequence[int]]


def by_mean_logprob(candidates: Sequence[Candidate], _verdicts: Mapping[int, RunResult]) -> list[int]:
    """The default order: core.ranking_view.rank by mean log-prob (verdicts do not move it)."""
    return [c.index for c in rank(candidates, "mean_logprob")]


def run_pipeline(stream: Iterable[TokenDelta | CandidateDone], pool: Any, harness: Harness | None,
                 cancel: threading.Event | None = None, ranker: Ranker = by_mean_logprob) -> Iterator[PipelineEvent]:
    """The pipeline's events for the candidates of `stream` (a backend's `stream(prompt, params,
    cancel)`, or finished candidates replayed). With `harness` None or `pool` None nothing is tested.
    A run the sandbox refuses (sandbox.submit_or_refuse) is that candidate's error verdict; a
    failure of the sandbox itself (its workers cannot start) is raised after the verdicts that did
    come back have been reported."""
    cancel = cancel or threading.Event()
    tester = _Tester(pool, harness) if pool is not None and harness is not None else None
    candidates: dict[int, Candidate] = {}
    order: tuple[int, ...] = ()

    def reranked() -> Iterator[RankingChanged]:
        nonlocal order
        new = tuple(ranker([candidates[i] for i in sorted(candidates)], tester.verdicts if tester else {}))
        if new != order:
            order = new
            yield RankingChanged(order)

    def verdicts_in(block: bool) -> Iterator[PipelineEvent]:
        found = tester.collect(block) if tester else []
        yield from found
        if found:
            yield from reranked()

    try:
        for event in stream:
            yield from verdicts_in(block=False)
            if isinstance(event, CandidateDone):
                cand = event.candidate
                candidates[cand.index] = cand
                same_as = None
                if tester is not None and cand.finish_reason != "cancelled" and not cancel.is_set():
                    same_as = tester.submit(cand)
                yield CandidateArrived(cand, same_as)
                yield from verdicts_in(block=False)  # a copy of a tested program has its verdict at once
                yield from reranked()
        while tester and tester.pending() and not cancel.is_set():
            yield from verdicts_in(block=True)
        yield from verdicts_in(block=False)  # those that finished while cancel was being set
    finally:
        if tester:
            tester.stop()
    if tester:
        tester.raise_failure()
    untested = tuple(sorted(tester.waiting())) if tester else ()
    yield Done(tuple(candidates[i] for i in sorted(candidates)), dict(tester.verdicts) if tester else {},
               order, cancel.is_set(), untested)


class _Tester:
    """The runs in flight, one per distinct program. The pool's threads put finished runs on a
    queue; only the pipeline's own thread turns them into events, so their order is the order
    the generator yields."""

    def __init__(self, pool: Any, harness: Harness):
        self.pool, self.harness = pool, harness
        self.first: dict[str, int] = {}  # program key -> index of the candidate whose run it is
        self.members: dict[str, list[int]] = {}  # program key -> every candidate with that program
        self.verdicts: dict[int, RunResult] = {}
        self.runs: dict[str, Future] = {}
        self.finished: queue.Queue[str] = queue.Queue()
        self.collected = 0  # runs taken off `finished`: a run is done before its callback queues it
        self.ready: list[VerdictArrived] = []  # copies of a program whose verdict was already in
        self.failure: BaseException | None = None

    def submit(self, cand: Candidate) -> int | None:
        from sandbox import Program, submit_or_refuse

        key = program_key(cand.text)
        self.members.setdefault(key, []).append(cand.index)
        if key in self.first:
            first = self.first[key]
            if first in self.verdicts:
                self.verdicts[cand.index] = self.verdicts[first]
                self.ready.append(VerdictArrived(cand.index, self.verdicts[first], first))
            return first
        self.first[key] = cand.index
        h = self.harness
        run = submit_or_refuse(self.pool, Program(h.prompt, cand.text, h.tests, h.entry_point), h.timeout_s)
        self.runs[key] = run
        run.add_done_callback(lambda _run, key=key: self.finished.put(key))
        return None

    def pending(self) -> bool:
        return self.collected < len(self.runs)

    def collect(self, block: bool) -> list[VerdictArrived]:
        """The verdicts that came back since the last call; with `block`, waits up to POLL_S for one."""
        out, self.ready = self.ready, []
        keys = []
        try:
            keys.append(self.finished.get(timeout=POLL_S) if block and not out else self.finished.get_nowait())
            while True:
                keys.append(self.finished.get_nowait())
        except queue.Empty:
            pass
        self.collected += len(keys)
        for key in keys:
            run = self.runs[key]
            if run.cancelled():
                continue
            error = run.exception()
            if error is not None:
                self.failure = self.failure or error
                continue
            result = run.result()
            for index in self.members[key]:
                self.verdicts[index] = result
                out.append(VerdictArrived(index, result, self.first[key]))
        return out

    def waiting(self) -> list[int]:
        """Candidates sent to be tested (themselves or a copy) that have no verdict."""
        return [i for members in self.members.values() for i in members if i not in self.verdicts]

    def stop(self) -> None:
        for run in self.runs.values():
            run.cancel()  # a sandbox.RunFuture also kills a run in progress

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure
