"""Helpers shared by the sandbox tests."""

import textwrap

from sandbox import Program, RunResult, SandboxPool


def program(code: str, tests: str, entry_point: str = "f", prompt: str = "") -> Program:
    return Program(prompt, code, tests, entry_point)


def run_code(
    pool: SandboxPool, code: str, tests: str, timeout_s: float = 3.0, memory_mb: int | None = None, **program_kw: str
) -> RunResult:
    """One run of `code` (dedented) against `tests`, waited for."""
    prog = program(textwrap.dedent(code), tests, **program_kw)
    return pool.submit(prog, timeout_s=timeout_s, memory_mb=memory_mb).result(timeout=60)
