"""Isolated execution of untrusted candidates (no Qt). See sandbox/README.md.

Names are loaded on first use (PEP 562): the worker process imports sandbox.worker
without pulling in the pool's threads and futures, which keeps its forks cheap."""

import importlib

_EXPORTS = {
    "SandboxPool": "sandbox.pool",
    "RunFuture": "sandbox.pool",
    "as_finished": "sandbox.pool",
    "submit_or_refuse": "sandbox.pool",
    "SandboxUnavailable": "sandbox.layers",
    "Program": "sandbox.program",
    "RunResult": "sandbox.results",
    "TestCaseResult": "sandbox.results",
    "STATUSES": "sandbox.status",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
