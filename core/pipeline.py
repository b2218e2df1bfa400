"""The one generate -> drop duplicate programs -> test -> rank pipeline every front end drives.

`run_pipeline` turns a backend's stream of events into a stream of typed pipeline events:
`CandidateArrived`, `VerdictArrived`, `RankingChanged` and, last, `Done`. It is Qt-free and knows
nothing of files, tables or snapshots: the CLI prints the outcome, the lab's sweep and the
engine-process jobs fold the events into their snapshots. Eval shares its tester
(core.ranking.distinct_runs) but drives it itself: it overlaps one problem's tests with the next
problem's generation and resumes from its files.

Policy, where the seven former copies disagreed:
- Verdicts are pipelined: each finished candidate goes to the sandbox as soon as it arrives, so
  the sandbox works while the model writes the next ones. Batching (test after generation) only
  made a user wait longer for the same verdicts.
- Duplicate programs (core.ranking.order.program_key: the one definition of "the same program")
  are tested once, and every copy gets that verdict (core.ranking.distinct_runs). Only the Workbench did
  this; the others ran the same program again, which at low temperature is most of the sandbox's
  work. The sandbox runs each program in a fresh process with the same limits, so a second run can
  only differ by chance (a timeout on a busy machine); sharing the verdict also makes copies agree
  in every view. Measurements pass `share_verdicts=False` (eval's pass@k and the lab's sweep
  treat every sample as an independent trial, so each is drawn as often as the model wrote it).
- A candidate cut off by cancel (finish_reason "cancelled") is not a program the model finished:
  it is reported but never tested, as the Workbench and From examples did.
- A backend that fails part way (a server error, out of memory) is raised only after the
  candidates it did finish have their verdicts: one failure never costs the others their results.
- Cancel stops generation (the same Event is the backend's, which ends its stream promptly with
  the candidates it cut off) and cancels the runs not finished; candidates arriving after it are
  reported but not tested, and `Done` says which candidates stayed untested.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from core.ranking.distinct_runs import DistinctRuns
from core.ranking.order import rank
from core.sampling.candidate import Candidate, CandidateDone, TokenDelta
from sandbox.program import Program

if TYPE_CHECKING:  # only named in annotations
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
    """The default order: core.ranking.order.rank by mean log-prob (verdicts do not move it)."""
    return [c.index for c in rank(candidates, "mean_logprob")]


def run_pipeline(
    stream: Iterable[TokenDelta | CandidateDone],
    pool: Any,
    harness: Harness | None,
    cancel: threading.Event | None = None,
    ranker: Ranker = by_mean_logprob,
    share_verdicts: bool = True,
) -> Iterator[PipelineEvent]:
    """The pipeline's events for the candidates of `stream` (a backend's `stream(prompt, params,
    cancel)`, or finished candidates replayed). With `harness` None or `pool` None nothing is tested.
    A run the sandbox refuses (sandbox.submit_or_refuse) is that candidate's error verdict; a
    failure of the sandbox itself (its workers cannot start) is raised after the verdicts that did
    come back have been reported."""
    cancel = cancel or threading.Event()
    # The pool's threads put verdicts on a queue; only this generator turns them into events, so
    # their order is the order it yields.
    arrived: queue.Queue[VerdictArrived] = queue.Queue()
    runs: DistinctRuns[int] | None = None
    submit: Callable[[Candidate], int | None] | None = None
    if pool is not None and harness is not None:
        runs = DistinctRuns(
            pool, lambda index, result, first: arrived.put(VerdictArrived(index, result, first)), share_verdicts
        )
        submit = partial(_submit, runs, harness)
    candidates: dict[int, Candidate] = {}
    verdicts: dict[int, RunResult] = {}
    order: tuple[int, ...] = ()

    def reranked() -> Iterator[RankingChanged]:
        nonlocal order
        new = tuple(ranker([candidates[i] for i in sorted(candidates)], verdicts))
        if new != order:
            order = new
            yield RankingChanged(order)

    def verdicts_in(wait_s: float | None = None) -> Iterator[PipelineEvent]:
        found = []
        try:
            found.append(arrived.get(timeout=wait_s) if wait_s else arrived.get_nowait())
            while True:
                found.append(arrived.get_nowait())
        except queue.Empty:
            pass
        for verdict in found:
            verdicts[verdict.index] = verdict.result
            yield verdict
        if found:
            yield from reranked()

    failed: Exception | None = None
    try:
        try:
            for event in stream:
                yield from verdicts_in()
                if isinstance(event, CandidateDone):
                    cand = event.candidate
                    candidates[cand.index] = cand
                    same_as = None
                    if submit is not None and cand.finish_reason != "cancelled" and not cancel.is_set():
                        same_as = submit(cand)
                    yield CandidateArrived(cand, same_as)
                    yield from verdicts_in()  # a copy of a tested program has its verdict at once
                    yield from reranked()
        except Exception as exc:  # noqa: BLE001 - the backend failed: raised below, once its candidates are tested
            failed = exc
        while runs is not None and runs.pending() and not cancel.is_set():
            yield from verdicts_in(POLL_S)
    finally:
        if runs is not None:
            runs.stop()
    yield from verdicts_in()  # those that came in while cancel was being set: after stop, no more come
    if failed is not None:
        raise failed
    if runs is not None:
        runs.raise_failure()
    untested = tuple(sorted(runs.waiting())) if runs is not None else ()
    yield Done(tuple(candidates[i] for i in sorted(candidates)), verdicts, order, cancel.is_set(), untested)


def run_to_end(events: Iterable[object]) -> Done:
    """Drives a pipeline (or core.modes.revision's examples pipeline) to its end, for a caller that
    needs only the outcome."""
    return next(e for e in events if isinstance(e, Done))


def _submit(runs: DistinctRuns[int], harness: Harness, cand: Candidate) -> int | None:
    program = Program(harness.prompt, cand.text, harness.tests, harness.entry_point)
    return runs.submit(cand.index, program, harness.timeout_s)
