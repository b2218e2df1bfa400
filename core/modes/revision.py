"""A second round for From examples when no candidate gets every example right: the model is
told what the best attempt got wrong, example by example in plain words, and writes as many
candidates again, each tested like the first ones (self-repair: Chen et al. 2023, "Teaching Large
Language Models to Self-Debug"; Olausson et al. 2023, "Is Self-Repair a Silver Bullet for Code
Generation?").

Sampling more blindly would redraw from the same distribution that just missed; the failed
examples tell the model which reading of the description was wrong, e.g. that `'a  b'` must
become `'a b'` and not only lose its outer spaces. The attempt's code is not shown: shown it, the
default model copied it, all 10 corrections on each of two shipped tables (measured 2026-12-03);
told only what was wrong, it wrote 4 to 10 different functions. It costs one more round only when
the first one found nothing, and needs an instruct model: a completion model cannot be told.

`examples_pipeline` is the one place that decides; the CLI, the app's From examples job and the
benchmark consume its events. The second round's log-probs are the model's under the request that
told it what went wrong, so among candidates equally right a correction tends to rank first: it was
written knowing more. Each round drops its own duplicate programs (core.pipeline); a correction
that repeats a first-round program is tested again.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from core.modes.examples import Spec, all_right, best_first, example_verdicts
from core.pipeline import (
    CandidateArrived,
    Done,
    Harness,
    PipelineEvent,
    VerdictArrived,
    by_mean_logprob,
    run_pipeline,
)
from core.sampling.interface import GenerationOOM
from core.sampling.params import MAX_SAMPLES, InvalidParams, SamplingParams
from core.user_error import UserError

if TYPE_CHECKING:
    from core.sampling.candidate import Candidate
    from core.sampling.interface import Backend

FEEDBACK = (
    "Careful: a first version of this function was wrong on some of the examples in the docstring:\n"
    "{wrong}\nWrite a function that gives exactly the expected answer for every example."
)
# A hostile or runaway candidate can return a huge value; the model needs only its start.
_MAX_WRONG_LINES = 5
_MAX_LINE_CHARS = 300


@dataclass(frozen=True)
class RevisionFailed:
    """The second round failed; the first round's candidates stand. `reason`: the error, for users."""

    reason: str


@dataclass(frozen=True)
class Revising:
    """No candidate of the first round got every example right: the model is told what candidate
    `attempt`, the best of them, got wrong (`wrong`, one sentence per example), and writes `count` more,
    numbered after the first round's."""

    attempt: int
    wrong: tuple[str, ...]
    count: int


def feedback(wrong: Sequence[str]) -> str:
    """What the model is told after the request: the examples the attempt got wrong
    (core.modes.examples.example_verdicts' sentences), at most a few, each cut to a bounded length."""
    lines = [w if len(w) <= _MAX_LINE_CHARS else w[: _MAX_LINE_CHARS - 1] + "…" for w in wrong[:_MAX_WRONG_LINES]]
    if len(wrong) > _MAX_WRONG_LINES:
        lines.append(f"and {len(wrong) - _MAX_WRONG_LINES} more examples")
    return FEEDBACK.format(wrong="\n".join(f"- {line}" for line in lines))


def revision_params(params: SamplingParams, wrong: Sequence[str], count: int) -> SamplingParams:
    """The second round's request: `count` samples as rows after the first round's (their seeds
    differ from the first round's and their indices follow on), in instruct mode."""
    return replace(
        params,
        n=params.n + count,
        rows=tuple(range(params.n, params.n + count)),
        mode="instruct",
        feedback=feedback(wrong),
    ).validated()


def can_revise(backend: Backend, params: SamplingParams) -> bool:
    """Whether the backend takes feedback: the run's mode is (or resolves to) instruct."""
    try:
        return backend.resolve_mode(params.mode) == "instruct"
    except InvalidParams:
        return False


def examples_pipeline(
    backend: Backend,
    pool: Any,
    spec: Spec,
    harness: Harness,
    params: SamplingParams,
    cancel: threading.Event | None = None,
) -> Iterator[PipelineEvent | Revising | RevisionFailed]:
    """core.pipeline's events for the examples' candidates, then, when none of them gets every
    example right, a `Revising` and the events of the second round; last one `Done` for both
    rounds. A second round that fails (a server error, a prompt grown too long)
    gives `RevisionFailed` and costs the first round nothing. `harness` runs `spec.tests` (or the
    user's hand-edited version of them, whose asserts still check one example each, in row order)."""
    cancel = cancel or threading.Event()
    first = yield from _round(backend.stream(harness.prompt, params, cancel), pool, harness, cancel, [])
    attempt = None if cancel.is_set() else _attempt_to_revise(spec, first)
    count = min(len(params.wanted_rows), MAX_SAMPLES - params.n)
    if attempt is None or count < 1 or not can_revise(backend, params):
        yield first
        return
    candidate, wrong = attempt
    revised = revision_params(params, wrong, count)
    yield Revising(candidate.index, wrong, count)
    if cancel.is_set():  # a Stop while the consumer showed the Revising
        yield replace(first, cancelled=True)
        return
    arrived: list[PipelineEvent] = []
    try:
        second = yield from _round(backend.stream(harness.prompt, revised, cancel), pool, harness, cancel, arrived)
    except (UserError, GenerationOOM) as exc:
        yield RevisionFailed(str(exc))
        second = _partial(arrived, cancel.is_set())
    candidates = first.candidates + second.candidates
    verdicts = {**first.verdicts, **second.verdicts}
    yield Done(
        candidates,
        verdicts,
        tuple(by_mean_logprob(candidates, verdicts)),
        second.cancelled,
        first.untested + second.untested,
    )


def _round(
    stream: Any, pool: Any, harness: Harness, cancel: threading.Event, arrived: list[PipelineEvent]
) -> Generator[PipelineEvent, None, Done]:
    """One round's events but its Done, which is returned; each is also kept in `arrived`, so
    that a round that fails still counts what it gave."""
    for event in run_pipeline(stream, pool, harness, cancel):
        if isinstance(event, Done):
            return event
        arrived.append(event)
        yield event
    raise AssertionError("run_pipeline always ends with Done")


def _partial(events: Sequence[PipelineEvent], cancelled: bool) -> Done:
    """The Done of a round that failed: the candidates and verdicts that came before the failure."""
    candidates = tuple(e.candidate for e in events if isinstance(e, CandidateArrived))
    verdicts = {e.index: e.result for e in events if isinstance(e, VerdictArrived)}
    untested = tuple(c.index for c in candidates if c.index not in verdicts and c.finish_reason != "cancelled")
    return Done(candidates, verdicts, (), cancelled, untested)


def _attempt_to_revise(spec: Spec, done: Done) -> tuple[Candidate, tuple[str, ...]] | None:
    """The best-ranked candidate of `done` and what it got wrong; None when a candidate gets every
    example right or none was tested."""
    tested: list[Candidate] = [c for c in done.candidates if c.index in done.verdicts]
    if not tested:
        return None
    verdicts = [example_verdicts(spec, done.verdicts[c.index].cases) for c in tested]
    if any(all_right(v, c.degenerate) for v, c in zip(verdicts, tested)):
        return None
    best = best_first(verdicts, [c.mean_logprob for c in tested], [c.degenerate for c in tested])[0]
    wrong = tuple(w for w in verdicts[best] if w is not None)
    return (tested[best], wrong) if wrong else None
