"""The Workbench's back-translation ranking (the paper's Figure 7 heuristic): for each finished
candidate, the log-prob of the prompt's docstring given the candidate's code, computed by the
model that wrote it (core.modes.reverse, the same code as `codesynth eval`). Qt-free."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from core.host.jobs import JobError
from core.host.snapshots import BackTranslationScores
from core.modes.reverse import back_translation_logprob, strip_docstring

if TYPE_CHECKING:
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool


def run(
    backend: Backend,
    pool: Callable[[], SandboxPool],  # unused: scoring runs no code, but every job is handed the pool
    cancel: threading.Event,
    prompt: str,
    entry_point: str,
    completions: dict[int, str],
) -> Iterator[BackTranslationScores]:
    try:
        strip_docstring(prompt, entry_point)
    except ValueError:
        raise JobError(
            "Back-translation ranking needs a docstring in the prompt: the model is scored on "
            "writing it back from each candidate's code."
        ) from None
    if not backend.capabilities.scoring:
        raise JobError("This server cannot score given text, so back-translation ranking is unavailable.")
    scores: dict[int, float] = {}
    for index, completion in completions.items():
        if cancel.is_set():
            break
        scores[index] = back_translation_logprob(backend, prompt, completion, entry_point)
        yield BackTranslationScores(dict(scores))
