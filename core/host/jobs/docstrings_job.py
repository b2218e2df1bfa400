"""The Docstrings tab's job (reverse mode, the paper's Codex-D): n docstrings for one function,
ranked by mean log-prob, then each one's back-translation score as it arrives."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from core.docstrings import DocstringCandidate, Function, example_inputs, functions_in, scored_docstrings
from core.host.jobs import JobError
from core.params import SamplingParams

if TYPE_CHECKING:  # the job imports the sandbox when it runs
    from sandbox import SandboxPool

# What a row's back-translation column holds.
PENDING, SCORED, STOPPED = "pending", "scored", "stopped"
COPIES_CODE, NO_INPUTS, OFF = "copies code", "no inputs", "off"  # never back-translated


def function_named(code: str, name: str) -> Function:
    try:
        functions = functions_in(code)
    except SyntaxError as exc:
        raise JobError(f"The code is not valid Python (line {exc.lineno}: {exc.msg}).") from None
    found = next((f for f in functions if f.name == name), None)
    if found is None:
        raise JobError(f"The code has no top-level function named {name!r}.")
    return found


def docstring_row(doc: DocstringCandidate, status: str) -> dict:
    mean = doc.candidate.mean_logprob
    return {
        "text": doc.text,
        "mean_logprob": mean if math.isfinite(mean) else None,
        "copies_code": doc.copies_code,
        "score": doc.back_translation,
        "status": status,
    }


def status_of(doc: DocstringCandidate, checking: str) -> str:
    """`checking` is the status of a docstring not scored yet: PENDING, NO_INPUTS or OFF."""
    if doc.copies_code:
        return COPIES_CODE
    return SCORED if doc.back_translation is not None else checking


def run(
    backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    code: str,
    function: str,
    tests: str,
    params: SamplingParams,
    back_translation_samples: int,
) -> Iterator[dict]:
    """Snapshots: {"function", "inputs", "samples", "docstrings": rows best first, "state"}; `state`
    is generating, scoring, done or stopped."""
    func = function_named(code, function)
    params = params.validated()
    if back_translation_samples < 0:
        raise JobError("The number of back-translation samples must be 0 (off) or more.")
    inputs = example_inputs(func, tests)
    checking = OFF if back_translation_samples == 0 else PENDING if inputs else NO_INPUTS
    sandbox = pool() if checking == PENDING else None

    def snapshot(docs: list[DocstringCandidate], state: str, unscored: str = checking) -> dict:
        return {
            "function": func.name,
            "inputs": inputs,
            "samples": back_translation_samples,
            "state": state,
            "docstrings": [docstring_row(d, status_of(d, unscored)) for d in docs],
        }

    docs: list[DocstringCandidate] = []
    yield snapshot(docs, "generating")
    for docs in scored_docstrings(backend, sandbox, func, inputs, params, back_translation_samples, cancel):
        yield snapshot(docs, "scoring" if checking == PENDING else "done")
    if cancel.is_set():
        yield snapshot(docs, "stopped", STOPPED if checking == PENDING else checking)
    else:
        yield snapshot(docs, "done")
