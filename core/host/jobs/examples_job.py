"""The From-examples job: samples n functions for the derived prompt, tests each one in the
sandbox as soon as it is written, and explains per example what it got right, best first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from core.host.jobs import JobError
from core.host.snapshots import Answer, ExampleCandidate, ExamplesSnapshot, Question
from core.modes.example_cells import ExamplesError
from core.modes.examples import Spec, answered, best_first, build_spec, example_verdicts, explain
from core.sampling.candidate import Candidate, CandidateDone
from core.sampling.params import SamplingParams

if TYPE_CHECKING:  # the job imports the sandbox and core.ranking.behaviour when it runs
    from core.ranking.behaviour import Question as BehaviourQuestion
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool


def spec_of(header: list[str], rows: list[list[str]], description: str, name: str) -> Spec:
    """The table's Spec; its rows say which example each test case checks."""
    try:
        return build_spec(header, rows, description, name or None)
    except ExamplesError as exc:
        raise JobError("Some examples are not valid: " + "; ".join(str(e) for e in exc.errors)) from None
    except ValueError as exc:
        raise JobError(f"The examples table is not usable: {exc}.") from None


def candidate_row(candidate: Candidate) -> ExampleCandidate:
    return ExampleCandidate(
        candidate.index,
        candidate.text,
        candidate.finish_reason,
        candidate.mean_logprob if candidate.token_logprobs else None,
        candidate.degenerate,
        tuple(candidate.warnings),
    )


def question_of(question: BehaviourQuestion, found: list[ExampleCandidate], name: str) -> Question:
    """A core.ranking.behaviour.Question as the GUI gets it; its answers name candidates by their index."""
    answers = (Answer(a.text, len(a.candidates), tuple(found[p].index for p in a.candidates)) for a in question.answers)
    return Question(question.args, question.sentence(name), tuple(answers))


def snapshot(
    prompt: str,
    name: str,
    spec: Spec,
    n: int,
    found: list[ExampleCandidate],
    state: str,
    inputs: int | None = None,
    question: Question | None = None,
    note: str | None = None,
    only_rows: bool = False,
    differs_at: str | None = None,
) -> ExamplesSnapshot:
    """The whole state, candidates best first. `state`: generating, testing, revising (while no
    candidate is right, the model corrects the best so far), generalising (the candidates right on
    every example only repeat them: the model is told so), checking (looking for
    an input the candidates right on every example disagree on), done or stopped. Once that look is
    over: the `inputs` tried and the `question` (None when they agree)."""
    order = best_first(
        [None if c.verdicts is None else list(c.verdicts) for c in found],
        [c.mean_logprob for c in found],
        [c.degenerate for c in found],
        [c.cluster or 0 for c in found],
    )
    return ExamplesSnapshot(
        prompt,
        name,
        len(spec.rows),
        n,
        state,
        tuple(found[i] for i in order),
        inputs,
        question,
        note,
        only_rows,
        differs_at,
    )


def run(
    backend: Backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    prompt: str,
    tests: str,
    entry_point: str,
    header: list[str],
    rows: list[list[str]],
    description: str,
    params: SamplingParams,
    reuse: Sequence[ExampleCandidate] | None = None,
) -> Iterator[ExamplesSnapshot]:
    """`prompt` and `tests` are the derived texts as the user sees them (maybe edited by hand);
    `entry_point` is the function the tests call. The table gives each test case its example.
    `reuse`: the candidates of an earlier snapshot, tested again instead of generating (the table
    gained a row: the answer to a question); they are not corrected by the model."""
    from core.modes.revision import Revising, RevisionFailed, examples_pipeline
    from core.pipeline import CandidateArrived, Harness, VerdictArrived, run_pipeline
    from core.ranking.examine import examples_question, rows_as_inputs

    spec = spec_of(header, rows, description, entry_point)
    params = params.validated()
    n = params.n if reuse is None else len(reuse)
    sandbox = pool()
    harness = Harness(prompt, tests, entry_point)
    found: list[ExampleCandidate] = []
    position: dict[int, int] = {}  # candidate index -> its place in `found`
    earlier = {c.index: c for c in reuse or []}
    revises: int | None = None  # once the model corrects a candidate: that candidate's index
    note: str | None = None
    writing = "generating" if reuse is None else "testing"  # what the model does until all n are written

    def written_before() -> Iterator[CandidateDone]:
        for c in reuse or []:  # written before: only tested again
            yield CandidateDone(
                Candidate(c.index, c.completion, c.completion, [], [], c.finish_reason, degenerate=c.degenerate)
            )

    # Each candidate is tested as soon as it is written, a program written twice once (core.pipeline);
    # when none gets every example right, the model corrects the best one (core.modes.revision).
    events = (
        examples_pipeline(backend, sandbox, spec, harness, params, cancel)
        if reuse is None
        else run_pipeline(written_before(), sandbox, harness, cancel)
    )
    yield snapshot(prompt, entry_point, spec, n, found, writing)
    for event in events:
        if isinstance(event, Revising):
            revises, n, writing = event.attempt, n + event.count, "generalising" if event.lookup else "revising"
        elif isinstance(event, RevisionFailed):
            note = f"The model could not write its corrections: {event.reason}"
            n = len(found)
        elif isinstance(event, CandidateArrived):
            index = event.candidate.index
            position[index] = len(found)
            found.append(
                replace(earlier[index], verdicts=None, explanation=None, cluster=None)
                if index in earlier
                else replace(candidate_row(event.candidate), revises=revises)
            )
        elif isinstance(event, VerdictArrived):
            verdicts = example_verdicts(spec, event.result.cases)
            at = position[event.index]
            found[at] = replace(found[at], verdicts=tuple(verdicts), explanation=explain(spec, verdicts))
        else:
            continue
        yield snapshot(prompt, entry_point, spec, n, found, "testing" if len(found) >= n else writing, note=note)
    inputs, question, only_rows, differs_at = None, None, False, None
    if found and not cancel.is_set():
        yield snapshot(prompt, entry_point, spec, n, found, "checking", note=note)
    # Asked again after the yield: a Stop may have come while the GUI took that snapshot.
    if found and not cancel.is_set():
        exam, asked = examples_question(
            sandbox,
            backend,
            spec,
            [c.completion for c in found],
            [c.all_right for c in found],
            answered=[answered(c.verdicts) for c in found],
            seed=params.seed,
            cancel=cancel,
        )
        if not cancel.is_set():
            known, right = rows_as_inputs(spec), [c.all_right for c in found]
            only_rows, differs_at = exam.only_rows(known, right), exam.differs_at(right)
            found = [replace(c, cluster=size) for c, size in zip(found, exam.support(known, right))]
            inputs = len(exam.inputs)
            question = None if asked is None else question_of(asked, found, entry_point)
    state = "stopped" if cancel.is_set() else "done"
    yield snapshot(prompt, entry_point, spec, n, found, state, inputs, question, note, only_rows, differs_at)
