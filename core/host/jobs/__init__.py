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
from collections.abc import Callable, Iterator

JOBS = {
    "sweep": "core.host.jobs.sweep_job",
    "docstrings": "core.host.jobs.docstrings_job",
    "examples": "core.host.jobs.examples_job",
    "back_translation": "core.host.jobs.back_translation_job",
    "examine": "core.host.jobs.examine_job",
}


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
