"""The Workbench's behaviour rankers (issue 21): runs the finished candidates on inputs beyond the
user's tests (core.ranking.examine) and, when asked, on tests the model writes, and reports each
candidate's behaviour-cluster size and CodeT agreement by candidate index. Qt-free."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from core.host.snapshots import Examination
from core.ranking.examine import examine

if TYPE_CHECKING:
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool


def run(
    backend: Backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    prompt: str,
    entry_point: str,
    completions: dict[int, str],
    user_tests: str | None = None,
    model_tests: bool = False,
    seed: int | None = 0,
) -> Iterator[Examination]:
    indices = list(completions)
    exam = examine(
        backend,
        pool(),
        prompt,
        entry_point,
        [completions[i] for i in indices],
        user_tests=user_tests,
        seed=seed,
        model_tests=model_tests,
        cancel=cancel,
    )
    if cancel.is_set():  # some candidates were not run: their clusters would be guesses
        yield Examination(done=False, model_tests=model_tests)
        return
    agreement = exam.agreement_scores()
    yield Examination(
        done=True,
        model_tests=model_tests,
        inputs=len(exam.inputs),
        tests=len(exam.tests.tests),
        dropped=exam.tests.dropped,
        clusters=dict(zip(indices, exam.cluster_sizes())),
        agreement=None if agreement is None else dict(zip(indices, agreement)),
        unavailable=exam.tests.unavailable_reason if model_tests else None,
    )
