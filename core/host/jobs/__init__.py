"""Long tasks of the Docstrings, Examples and Sampling-lab tabs. They run inside the engine process,
next to the model, so a sweep or a back-translation never crosses the pipe token by token and
never takes the GUI's interpreter lock. Qt-free.

A job is a generator function `run(backend, pool, cancel, **kwargs)` in its own module here. It
yields snapshots of its whole state as plain picklable dicts: the GUI shows the latest one and
the session store saves it, so a dropped update loses nothing. `pool()` starts the sandbox
workers on first use.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator

JOBS = {
    "sweep": "core.host.jobs.sweep_job",
    "docstrings": "core.host.jobs.docstrings_job",
    "examples": "core.host.jobs.examples_job",
    "back_translation": "core.host.jobs.back_translation_job",
    "examine": "core.host.jobs.examine_job",
}


UPDATE_S = 0.25  # a job's snapshots are whole states: the GUI needs only the latest


class JobError(Exception):
    """A failure the user can act on; its text is shown as it is."""


def run_job(name: str, backend, pool: Callable[[], object], cancel: threading.Event, kwargs: dict) -> Iterator[dict]:
    from core.engine import GenerationOOM
    from core.params import InvalidParams
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


def updates(name: str, backend, pool: Callable[[], object], cancel: threading.Event, kwargs: dict) -> Iterator[dict]:
    """What the engine host sends the GUI while job `name` runs: its latest snapshot at most every
    UPDATE_S, and always its last one."""
    latest, last_send = None, 0.0
    try:
        for latest in run_job(name, backend, pool, cancel, kwargs):
            now = time.monotonic()
            if now - last_send >= UPDATE_S:
                yield latest
                latest, last_send = None, now
    except Exception:
        if latest is not None:  # the state the failure left is still the user's work
            yield latest
        raise
    if latest is not None:
        yield latest
