"""The From-examples job: samples n functions for the derived prompt, tests each one in the
sandbox as soon as it is written, and explains per example what it got right, best first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from core.candidate import Candidate, CandidateDone, TokenDelta
from core.examples import ExamplesError, Spec, best_first, build_spec, example_verdicts, explain
from core.host.jobs import JobError
from core.params import SamplingParams

if TYPE_CHECKING:  # the job imports the sandbox when it runs
    from sandbox import SandboxPool


def spec_of(header: list[str], rows: list[list[str]], description: str, name: str) -> Spec:
    """The table's Spec; its rows say which example each test case checks."""
    try:
        return build_spec(header, rows, description, name or None)
    except ExamplesError as exc:
        raise JobError("Some examples are not valid: " + "; ".join(str(e) for e in exc.errors)) from None
    except ValueError as exc:
        raise JobError(f"The examples table is not usable: {exc}.") from None


def candidate_row(candidate: Candidate) -> dict:
    return {
        "index": candidate.index,
        "completion": candidate.text,
        "finish_reason": candidate.finish_reason,
        "mean_logprob": candidate.mean_logprob if candidate.token_logprobs else None,
        "degenerate": candidate.degenerate,
        "warnings": candidate.warnings,
        "verdicts": None,
        "explanation": None,
        "cluster": None,
    }


def question_row(question, rows: list[dict], name: str) -> dict:
    """A core.behaviour.Question as plain data; its answers name candidates by their index."""
    return {
        "args": question.args,
        "sentence": question.sentence(name),
        "answers": [
            {"text": a.text, "count": len(a.candidates), "candidates": [rows[p]["index"] for p in a.candidates]}
            for a in question.answers
        ],
    }


def snapshot(
    prompt: str, name: str, spec: Spec, n: int, rows: list[dict], state: str, checked: dict | None = None
) -> dict:
    """The whole state, candidates best first. `state`: generating, testing, checking (looking for
    an input the candidates right on every example disagree on), done or stopped. `checked`, once
    that look is over: the inputs tried and the question (None when they agree)."""
    order = best_first(
        [r["verdicts"] for r in rows],
        [r["mean_logprob"] for r in rows],
        [r.get("degenerate") for r in rows],
        [r.get("cluster") or 0 for r in rows],
    )
    return {
        "prompt": prompt,
        "name": name,
        "examples": len(spec.rows),
        "n": n,
        "state": state,
        "candidates": [dict(rows[i]) for i in order],
        "inputs": None,
        "question": None,
        **(checked or {}),
    }


def every_example_right(row: dict) -> bool:
    verdicts = row["verdicts"]
    return verdicts is not None and verdicts.count(None) == len(verdicts) and not row.get("degenerate")


def run(
    backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    prompt: str,
    tests: str,
    entry_point: str,
    header: list[str],
    rows: list[list[str]],
    description: str,
    params: SamplingParams,
    reuse: list[dict] | None = None,
) -> Iterator[dict]:
    """`prompt` and `tests` are the derived texts as the user sees them (maybe edited by hand);
    `entry_point` is the function the tests call. The table gives each test case its example.
    `reuse`: candidate rows of an earlier snapshot, tested again instead of generating (the table
    gained a row: the answer to a question)."""
    from core.examine import examples_question
    from core.pipeline import CandidateArrived, Harness, VerdictArrived, run_pipeline

    spec = spec_of(header, rows, description, entry_point)
    params = params.validated()
    n = params.n if reuse is None else len(reuse)
    sandbox = pool()
    found: list[dict] = []
    by_index: dict[int, dict] = {}
    earlier = {row["index"]: row for row in reuse or []}
    generating = reuse is None

    def candidates() -> Iterator[TokenDelta | CandidateDone]:
        nonlocal generating
        if reuse is None:
            yield from backend.stream(prompt, params, cancel)
        for row in reuse or []:  # written before: only tested again
            yield CandidateDone(
                Candidate(
                    row["index"],
                    row["completion"],
                    row["completion"],
                    [],
                    [],
                    row["finish_reason"],
                    degenerate=row.get("degenerate"),
                )
            )
        generating = False

    yield snapshot(prompt, entry_point, spec, n, found, "generating" if generating else "testing")
    # Each candidate is tested as soon as it is written, a program written twice once (core.pipeline).
    for event in run_pipeline(candidates(), sandbox, Harness(prompt, tests, entry_point), cancel):
        if isinstance(event, CandidateArrived):
            index = event.candidate.index
            by_index[index] = (
                {**earlier[index], "verdicts": None, "explanation": None, "cluster": None}
                if index in earlier
                else candidate_row(event.candidate)
            )
            found.append(by_index[index])
        elif isinstance(event, VerdictArrived):
            row = by_index[event.index]
            row["verdicts"] = example_verdicts(spec, event.result.cases)
            row["explanation"] = explain(spec, row["verdicts"])
        else:
            continue
        yield snapshot(prompt, entry_point, spec, n, found, "generating" if generating else "testing")
    checked = None
    if found and not cancel.is_set():
        yield snapshot(prompt, entry_point, spec, n, found, "checking")
    # Asked again after the yield: a Stop may have come while the GUI took that snapshot.
    if found and not cancel.is_set():
        exam, question = examples_question(
            sandbox,
            backend,
            spec,
            [r["completion"] for r in found],
            [every_example_right(r) for r in found],
            seed=params.seed,
            cancel=cancel,
        )
        if not cancel.is_set():
            for row, size in zip(found, exam.cluster_sizes()):
                row["cluster"] = size
            checked = {
                "inputs": len(exam.inputs),
                "question": None if question is None else question_row(question, found, entry_point),
            }
    yield snapshot(prompt, entry_point, spec, n, found, "stopped" if cancel.is_set() else "done", checked)
