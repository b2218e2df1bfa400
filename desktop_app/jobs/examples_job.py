"""The From-examples job: samples n functions for the derived prompt, tests each one in the
sandbox as soon as it is written, and explains per example what it got right, best first."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING

from core.candidate import Candidate, CandidateDone
from core.examples import ExamplesError, Spec, best_first, build_spec, example_verdicts, explain
from core.params import SamplingParams
from desktop_app.jobs import JobError

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
    return {"index": candidate.index, "completion": candidate.text, "finish_reason": candidate.finish_reason,
            "mean_logprob": candidate.mean_logprob if candidate.token_logprobs else None,
            "degenerate": candidate.degenerate, "warnings": candidate.warnings,
            "verdicts": None, "explanation": None}


def snapshot(prompt: str, name: str, spec: Spec, n: int, rows: list[dict], state: str) -> dict:
    """The whole state, candidates best first. `state`: generating, testing, done or stopped."""
    order = best_first([r["verdicts"] for r in rows], [r["mean_logprob"] for r in rows],
                       [r.get("degenerate") for r in rows])
    return {"prompt": prompt, "name": name, "examples": len(spec.rows), "n": n, "state": state,
            "candidates": [dict(rows[i]) for i in order]}


def run(backend, pool: Callable[[], SandboxPool], cancel: threading.Event, prompt: str, tests: str, entry_point: str,
        header: list[str], rows: list[list[str]], description: str, params: SamplingParams) -> Iterator[dict]:
    """`prompt` and `tests` are the derived texts as the user sees them (maybe edited by hand);
    `entry_point` is the function the tests call. The table gives each test case its example."""
    from sandbox import Program, as_finished, submit_or_refuse

    spec = spec_of(header, rows, description, entry_point)
    params = params.validated()
    sandbox = pool()
    found: list[dict] = []
    testing: dict[Future, dict] = {}

    def collect(done) -> None:
        for future in done:
            row = testing.pop(future)
            row["verdicts"] = example_verdicts(spec, future.result().cases)
            row["explanation"] = explain(spec, row["verdicts"])

    yield snapshot(prompt, entry_point, spec, params.n, found, "generating")
    for event in backend.stream(prompt, params, cancel):
        finished = [f for f in testing if f.done()]
        collect(finished)
        if isinstance(event, CandidateDone):
            found.append(candidate_row(event.candidate))
            if event.candidate.finish_reason != "cancelled":
                testing[submit_or_refuse(sandbox, Program(prompt, event.candidate.text, tests, entry_point))] = found[-1]
        if finished or isinstance(event, CandidateDone):
            yield snapshot(prompt, entry_point, spec, params.n, found, "generating")
    for done in as_finished(list(testing), cancel):  # after a Stop it cancels the runs not finished
        collect(done)
        yield snapshot(prompt, entry_point, spec, params.n, found, "testing")
    yield snapshot(prompt, entry_point, spec, params.n, found, "stopped" if cancel.is_set() else "done")
