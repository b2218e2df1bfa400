"""What the pool sends a worker, as JSON frames: its start-up settings (on its command line) and
each run. Typed here, apart from both ends, so that the pool need not import the worker."""

from __future__ import annotations

from typing import TypedDict


class WorkerConfig(TypedDict):
    """How the pool starts a worker (its command line, as JSON)."""

    landlock: int  # the Landlock ABI to use, 0 for none
    bpf: str | None  # the seccomp program for the pool's memory limit, base64
    memory_mb: int
    read_rules: list[tuple[str, str]]  # [path, landlock.TREE or LISTING] (lists once through JSON)
    site_paths: list[str]
    ppid: int | None  # the pool's pid, when there is no PID namespace to vanish with
    cpu: int | None  # the CPU to pin the worker's whole process tree to
    job_root: str


class ProgramFields(TypedDict):
    prompt: str
    completion: str
    tests: str
    entry_point: str


class RunRequest(TypedDict):
    """A run, as the pool sends it (it may also send {"op": "abort", "id": ...})."""

    op: str  # "run"
    id: int
    timeout_s: float
    memory_mb: int
    program: ProgramFields
    bpf: str | None  # this run's own seccomp program (base64) when its memory limit is not the worker's, else None
