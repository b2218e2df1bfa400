"""Rounds of corrections for From examples when no candidate gets every example right: the model
is told what the best attempt got wrong, example by example in plain words, and writes as many
candidates again, each tested like the first ones (self-repair: Chen et al. 2023, "Teaching Large
Language Models to Self-Debug"; Olausson et al. 2023, "Is Self-Repair a Silver Bullet for Code
Generation?").

Sampling more blindly would redraw from the same distribution that just missed; the failed
examples tell the model which reading of the description was wrong, e.g. that `'a  b'` must
become `'a b'` and not only lose its outer spaces. The attempt's code is not shown: shown it, the
default model copied it, all 10 corrections on each of two shipped tables (measured 2026-12-03);
told only what was wrong, it wrote 4 to 10 different functions. It costs more rounds only when
the first one found nothing, and needs an instruct model: a completion model cannot be told.

Candidates right on every example may still only repeat them (`if title == 'Hello World': return
'hello_world'`, an error anywhere else: core.ranking.examine.Examination.only_rows). When every one
of them does, one round of corrections is told what the best of them gives for other inputs (the
examination's inputs near the examples, run in the sandbox without the model: milliseconds a
candidate, spent only when some candidate is right).

Up to CORRECTION_ROUNDS rounds of corrections follow while none gets every example right, each
told what the best attempt so far got wrong. A small model that misreads a description keeps
misreading it in most samples, and the right reading comes now and then: on the shipped initials
table the default model wrote it in 2 of 60 samples (measured 2026-12-03); over five seeds, two
rounds solved it twice and four rounds three times (2026-12-04, BENCHMARKS.md). A round costs
about as long as the first (10 s on 2 cores), only while nothing is right, and the user sees each
one announced and can Stop it.

`examples_pipeline` is the one place that decides; the CLI, the app's From examples job and the
benchmark consume its events. A correction's log-probs are the model's under the request that
told it what went wrong, so among candidates equally right a correction tends to rank first: it was
written knowing more. Each round drops its own duplicate programs (core.pipeline); a correction
that repeats an earlier round's program is tested again.
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
from core.ranking.behaviour import describe
from core.ranking.examine import examine, rows_as_inputs
from core.ranking.probe_inputs import written_in
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
LOOKUP_FEEDBACK = (
    "Careful: a first version of this function only repeated the examples in the docstring. For other inputs:\n"
    "{wrong}\nWrite a function that computes the answer from its inputs for any input, as the description says."
)
# Rounds of corrections at most, after the first round (see the module's docstring).
CORRECTION_ROUNDS = 3
# A hostile or runaway candidate can return a huge value; the model needs only its start.
_MAX_WRONG_LINES = 5
_MAX_LINE_CHARS = 300


@dataclass(frozen=True)
class RevisionFailed:
    """A round of corrections failed; the earlier rounds' candidates stand. `reason`: the error, for users."""

    reason: str


@dataclass(frozen=True)
class Revising:
    """No candidate so far got every example right: the model is told what candidate `attempt`, the
    best of them, got wrong (`wrong`, one sentence per example), and writes `count` more, numbered
    after the earlier rounds'. `lookup`: the candidates right on every example only repeat them;
    `wrong` says what `attempt`, the best of those, gives for other inputs."""

    attempt: int
    wrong: tuple[str, ...]
    count: int
    lookup: bool = False


def feedback(wrong: Sequence[str], lookup: bool = False) -> str:
    """What the model is told after the request: the examples the attempt got wrong
    (core.modes.examples.example_verdicts' sentences), or what a lookup gives beyond them, at most a
    few, each cut to a bounded length."""
    lines = [_quoted(w) for w in wrong[:_MAX_WRONG_LINES]]
    if len(wrong) > _MAX_WRONG_LINES:
        lines.append(f"and {len(wrong) - _MAX_WRONG_LINES} more examples")
    return (LOOKUP_FEEDBACK if lookup else FEEDBACK).format(wrong="\n".join(f"- {line}" for line in lines))


def _quoted(sentence: str) -> str:
    """A sentence quoting what a candidate returned or raised, safe to put in a chat request: one
    line, bounded, and without the `<|` that opens a chat template's markers (`<|im_end|>`), which
    the tokenizer would read as the end of the user's turn and let the candidate write the next."""
    line = " ".join(sentence.splitlines()).replace("<|", "< |")
    return line if len(line) <= _MAX_LINE_CHARS else line[: _MAX_LINE_CHARS - 1] + "…"


def revision_params(
    params: SamplingParams, wrong: Sequence[str], start: int, count: int, lookup: bool = False
) -> SamplingParams:
    """A round of corrections: `count` samples as rows `start`, `start + 1`, ... after the earlier
    rounds' (their seeds differ from those rounds' and their indices follow on), in instruct mode."""
    return replace(
        params,
        n=start + count,
        rows=tuple(range(start, start + count)),
        mode="instruct",
        feedback=feedback(wrong, lookup),
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
    """core.pipeline's events for the examples' candidates, then, while none of them gets every
    example right, up to CORRECTION_ROUNDS times a `Revising` and the events of a round of
    corrections; last one `Done` for all rounds. A round that fails (a server error, a prompt
    grown too long) gives `RevisionFailed`, ends the corrections and costs the earlier rounds
    nothing. `harness` runs `spec.tests` (or the user's hand-edited version of them, whose asserts
    still check one example each, in row order)."""
    cancel = cancel or threading.Event()
    done = yield from _round(backend.stream(harness.prompt, params, cancel), pool, harness, cancel, [])
    start = params.n  # the first row of the next round: each round's rows follow the earlier ones'
    looked = False  # whether the candidates right on every example were examined for lookups
    for _ in range(CORRECTION_ROUNDS):
        count = min(len(params.wanted_rows), MAX_SAMPLES - start)
        if cancel.is_set() or count < 1:
            break
        attempt, lookup = _attempt_to_revise(spec, done), False
        if attempt is None and not looked and can_revise(backend, params):
            attempt, lookup, looked = _lookup_to_revise(backend, pool, spec, done, cancel), True, True
        if attempt is None or not can_revise(backend, params):
            break
        candidate, wrong = attempt
        yield Revising(candidate.index, wrong, count, lookup)
        if cancel.is_set():  # a Stop while the consumer showed the Revising
            done = replace(done, cancelled=True)
            break
        arrived: list[PipelineEvent] = []
        request = revision_params(params, wrong, start, count, lookup)
        failed = False
        try:
            more = yield from _round(backend.stream(harness.prompt, request, cancel), pool, harness, cancel, arrived)
        except (UserError, GenerationOOM) as exc:
            yield RevisionFailed(str(exc))
            more, failed = _partial(arrived, cancel.is_set()), True
        done, start = _joined(done, more), start + count
        if failed or done.cancelled:
            break
    yield done


def _joined(earlier: Done, more: Done) -> Done:
    """One Done for the candidates of two rounds; cancelled if the later one was."""
    candidates = earlier.candidates + more.candidates
    verdicts = {**earlier.verdicts, **more.verdicts}
    return Done(
        candidates,
        verdicts,
        tuple(by_mean_logprob(candidates, verdicts)),
        more.cancelled,
        earlier.untested + more.untested,
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
    example right or none was tested. A candidate whose code writes the examples' inputs out (a
    lookup of them, core.ranking.probe_inputs.written_in) or that the token limit cut comes after
    every other: corrected, it only grows into a longer lookup (measured on an ordinals table,
    2026-12-05: 15 copies of a 10-of-11 if-chain over three rounds, beside a rule right on 7)."""
    tested: list[Candidate] = [c for c in done.candidates if c.index in done.verdicts]
    if not tested:
        return None
    verdicts = [example_verdicts(spec, done.verdicts[c.index].cases) for c in tested]
    if any(all_right(v, c.degenerate) for v, c in zip(verdicts, tested)):
        return None
    known = rows_as_inputs(spec)
    flaws = [
        c.degenerate
        or ("a lookup of the examples" if written_in(c.text, known) else None)
        or ("cut by the token limit" if c.finish_reason == "length" else None)
        for c in tested
    ]
    best = best_first(verdicts, [c.mean_logprob for c in tested], flaws)[0]
    wrong = tuple(w for w in verdicts[best] if w is not None)
    return (tested[best], wrong) if wrong else None


def _lookup_to_revise(
    backend: Backend, pool: Any, spec: Spec, done: Done, cancel: threading.Event
) -> tuple[Candidate, tuple[str, ...]] | None:
    """When every candidate right on every example only repeats them (the examination's inputs near
    the examples, without the model: core.ranking.examine), the likeliest of them and what it gives
    for the inputs beyond the examples; None otherwise."""
    right = [
        c
        for c in done.candidates
        if c.index in done.verdicts and all_right(example_verdicts(spec, done.verdicts[c.index].cases), c.degenerate)
    ]
    if not right:
        return None
    known = rows_as_inputs(spec)
    exam = examine(
        backend,
        pool,
        spec.prompt,
        spec.name,
        [c.text for c in right],
        example_inputs=spec.shown_args,
        model_tests=False,
        known=known,
        cancel=cancel,
    )
    if cancel.is_set() or not exam.only_rows(known, [True] * len(right)):
        return None
    best = max(range(len(right)), key=lambda i: right[i].mean_logprob)
    behaviour = exam.behaviours[best]
    if behaviour is None:
        return None
    beyond = [
        f"for {args} it {'returned ' + outcome[1:] if outcome.startswith('=') else 'gave ' + describe(outcome)}"
        for args, outcome in zip(exam.inputs, behaviour.outcomes)
        if args not in known
    ]
    return (right[best], tuple(beyond)) if beyond else None
