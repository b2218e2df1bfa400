"""The Docstrings tab's job (reverse mode, the paper's Codex-D): n docstrings for one function,
ranked by mean log-prob, then each one's back-translation score as it arrives."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from core.host.jobs import JobError
from core.host.snapshots import (
    COPIES_CODE,
    NO_INPUTS,
    OFF,
    PENDING,
    SCORED,
    STOPPED,
    DocstringRow,
    DocstringsSnapshot,
)
from core.modes.docstrings import DocstringCandidate, Function, example_inputs, functions_in, scored_docstrings
from core.sampling.params import SamplingParams

if TYPE_CHECKING:  # the job imports the sandbox when it runs
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool


def function_named(code: str, name: str) -> Function:
    try:
        functions = functions_in(code)
    except SyntaxError as exc:
        raise JobError(f"The code is not valid Python (line {exc.lineno}: {exc.msg}).") from None
    found = next((f for f in functions if f.name == name), None)
    if found is None:
        raise JobError(f"The code has no top-level function named {name!r}.")
    return found


def docstring_row(doc: DocstringCandidate, status: str) -> DocstringRow:
    mean = doc.candidate.mean_logprob
    return DocstringRow(doc.text, mean if math.isfinite(mean) else None, doc.copies_code, doc.back_translation, status)


def status_of(doc: DocstringCandidate, checking: str) -> str:
    """`checking` is the status of a docstring not scored yet: PENDING, NO_INPUTS or OFF."""
    if doc.copies_code:
        return COPIES_CODE
    return SCORED if doc.back_translation is not None else checking


def run(
    backend: Backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    code: str,
    function: str,
    tests: str,
    params: SamplingParams,
    back_translation_samples: int,
) -> Iterator[DocstringsSnapshot]:
    func = function_named(code, function)
    params = params.validated()
    if back_translation_samples < 0:
        raise JobError("The number of back-translation samples must be 0 (off) or more.")
    inputs = example_inputs(func, tests)
    checking = OFF if back_translation_samples == 0 else PENDING if inputs else NO_INPUTS
    sandbox = pool() if checking == PENDING else None

    def snapshot(docs: list[DocstringCandidate], state: str, unscored: str = checking) -> DocstringsSnapshot:
        rows = tuple(docstring_row(d, status_of(d, unscored)) for d in docs)
        return DocstringsSnapshot(func.name, tuple(inputs), back_translation_samples, state, rows)

    docs: list[DocstringCandidate] = []
    yield snapshot(docs, "generating")
    for docs in scored_docstrings(backend, sandbox, func, inputs, params, back_translation_samples, cancel):
        yield snapshot(docs, "scoring" if checking == PENDING else "done")
    if cancel.is_set():
        yield snapshot(docs, "stopped", STOPPED if checking == PENDING else checking)
    else:
        yield snapshot(docs, "done")
