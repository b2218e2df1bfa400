"""Isolated execution of untrusted candidates (no Qt). See sandbox/README.md.

Names are loaded on first use (PEP 562): the worker process imports sandbox.worker
without pulling in the pool's threads and futures, which keeps its forks cheap."""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the real names for the type checker ("X as X": re-exported); at run time they load on first use
    from sandbox.futures import RunFuture as RunFuture
    from sandbox.futures import as_finished as as_finished
    from sandbox.futures import submit_or_refuse as submit_or_refuse
    from sandbox.layers import SandboxUnavailable as SandboxUnavailable
    from sandbox.pool import SandboxPool as SandboxPool
    from sandbox.program import Program as Program
    from sandbox.results import RunResult as RunResult
    from sandbox.results import TestCaseResult as TestCaseResult
    from sandbox.status import STATUSES as STATUSES

_EXPORTS = {
    "SandboxPool": "sandbox.pool",
    "RunFuture": "sandbox.futures",
    "as_finished": "sandbox.futures",
    "submit_or_refuse": "sandbox.futures",
    "SandboxUnavailable": "sandbox.layers",
    "Program": "sandbox.program",
    "RunResult": "sandbox.results",
    "TestCaseResult": "sandbox.results",
    "STATUSES": "sandbox.status",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
