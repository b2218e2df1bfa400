"""Isolated execution of untrusted candidates (no Qt). See sandbox/README.md."""
from sandbox.layers import SandboxUnavailable
from sandbox.pool import RunFuture, SandboxPool
from sandbox.program import Program
from sandbox.results import STATUSES, RunResult, TestCaseResult

__all__ = ["SandboxPool", "RunFuture", "Program", "RunResult", "TestCaseResult", "SandboxUnavailable",
           "STATUSES"]
