"""Long tasks of the Docstrings, Examples and Sampling-lab tabs. They run inside the engine process,
next to the model, so a sweep or a back-translation never crosses the pipe token by token and
never takes the GUI's interpreter lock. Qt-free.

A job is a generator function `run(backend, pool, cancel, **kwargs)` in its own module here. It
yields the typed updates of core.host.snapshots: snapshots of its whole state (of which the GUI
needs only the latest) or deltas (core.host.snapshots.Delta: only what changed, merged until
sent). `pool()` starts the sandbox workers on first use.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from core.sampling.interface import GenerationOOM
from core.sampling.params import InvalidParams

if TYPE_CHECKING:
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool

JOBS = {
    "sweep": "core.host.jobs.sweep_job",
    "docstrings": "core.host.jobs.docstrings_job",
    "examples": "core.host.jobs.examples_job",
    "back_translation": "core.host.jobs.back_translation_job",
    "examine": "core.host.jobs.examine_job",
}


UPDATE_S = 0.25  # at most four updates a second reach the GUI


class JobError(Exception):
    """A failure the user can act on; its text is shown as it is."""


def run_job(
    name: str, backend: Backend, pool: Callable[[], SandboxPool], cancel: threading.Event, kwargs: dict[str, Any]
) -> Iterator[object]:
    from sandbox import SandboxUnavailable

    module = importlib.import_module(JOBS[name])
    try:
        yield from module.run(backend, pool, cancel, **kwargs)
    except InvalidParams as exc:
        raise JobError(f"Invalid parameter: {exc}.") from exc
    except GenerationOOM as exc:
        raise JobError(f"Out of memory: {exc}") from exc
    except SandboxUnavailable as exc:
        raise JobError(f"The sandbox is unavailable, so nothing can be tested: {exc}") from exc


def updates(
    name: str, backend: Backend, pool: Callable[[], SandboxPool], cancel: threading.Event, kwargs: dict[str, Any]
) -> Iterator[object]:
    """What the engine host sends the GUI while job `name` runs, at most every UPDATE_S and always
    at the end: the latest whole snapshot, or every delta since the last send merged into one."""
    from core.host.snapshots import Delta

    pending, last_send = None, float("-inf")  # the first update goes at once
    try:
        for update in run_job(name, backend, pool, cancel, kwargs):
            pending = pending.merged(update) if isinstance(pending, Delta) else update
            now = time.monotonic()
            if now - last_send >= UPDATE_S:
                yield pending
                pending, last_send = None, now
    except Exception:
        if pending is not None:  # the state the failure left is still the user's work
            yield pending
        raise
    if pending is not None:
        yield pending
