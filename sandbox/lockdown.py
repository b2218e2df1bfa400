"""Per-run hardening of a freshly forked child, applied in this order:
own process group, not dumpable, Landlock, fd hygiene, rlimits, seccomp (last, since it
would forbid nothing earlier steps need but must cover everything after)."""

from __future__ import annotations

import ctypes
import fcntl  # here, not in install_fds: a module imported after the fork costs every run its import
import math
import os
import resource
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sandbox import landlock, seccomp_filter
from sandbox.libc import libc

if TYPE_CHECKING:  # not at run time: the worker imports little before it forks
    from sandbox.layers import Layers

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4

FSIZE_BYTES = 16 << 20
NOFILE = 64
STACK_BYTES = 8 << 20
# Tasks (processes and threads) of the worker's user in its own user namespace: the worker, the
# zygote, the judge, a spare and the candidate, plus room for a candidate's threads. Threads
# need no memory the address-space limit sees (a raw clone may reuse its caller's stack), so
# without this a candidate could take every PID of the host within a run.
TASKS = 64


def tasks_limit(own_user_namespace: bool) -> int | None:
    """RLIMIT_NPROC for the sandbox's children, where it counts only the sandbox's own tasks: in a
    user namespace of their own, on Linux 5.14 or later (before, the count was all of the user's
    processes on the host, and a desktop user has hundreds). Root is exempt whatever the limit."""
    try:
        version = tuple(int(part) for part in os.uname().release.split(".")[:2])
    except ValueError:  # not "major.minor...": assume the old count
        return None
    if not own_user_namespace or version < (5, 14):
        return None
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    return TASKS if hard == resource.RLIM_INFINITY else min(TASKS, hard)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_CAP_VERSION_3 = 0x20080522


class Guard:
    """Built once in the worker, before any job: the Landlock rulesets, the seccomp program
    and the capability structs are ready, so a forked child only has to apply them.

    read_rules: [path, landlock.TREE or LISTING] (the standard library, shared libraries,
    allowed packages); job_rule_path: the folder beneath which the candidate may make, write
    and remove files (jobfs.JobDir.write_rule_path), built into the ruleset once."""

    def __init__(
        self,
        landlock_abi: int,
        bpf: bytes | None,
        read_rules: Sequence[Sequence[str]],
        job_rule_path: str,
        tasks: int | None = None,
    ):
        self.abi = landlock_abi
        self.tasks = tasks  # RLIMIT_NPROC for the children (tasks_limit), None for none
        self.seccomp = seccomp_filter.Loadable(bpf) if bpf is not None else None
        self.rulesets: dict[bool, int] = {}  # writable -> Landlock ruleset fd
        self._cap_header = _CapHeader(_CAP_VERSION_3, 0)
        self._no_caps = (_CapData * 2)()
        if landlock_abi:
            rights = {landlock.TREE: landlock.READ_ONLY, landlock.LISTING: landlock.READ_DIR}
            reads = [
                (os.open(path, os.O_PATH | os.O_CLOEXEC), rights[kind])
                for path, kind in read_rules
                if os.path.exists(path)
            ]
            for path, mask in (
                ("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE),
                ("/dev/urandom", landlock.READ_FILE),
            ):
                if os.path.exists(path):
                    reads.append((os.open(path, os.O_PATH | os.O_CLOEXEC), mask))
            job = os.open(job_rule_path, os.O_PATH | os.O_CLOEXEC)
            self.rulesets = {
                True: landlock.ruleset(landlock_abi, reads + [(job, landlock.JOB)]),
                False: landlock.ruleset(landlock_abi, reads),
            }
            for fd, _ in [*reads, (job, 0)]:
                os.close(fd)

    @property
    def layers(self) -> Layers:
        return {"landlock": self.abi, "seccomp": self.seccomp is not None, "rlimits": True}

    def apply(
        self, *, writable: bool, stdout_fd: int, stderr_fd: int, keep: list[int], cpu_s: float | None, memory_mb: int
    ) -> list[int]:
        """Harden the calling child; `writable`: may write in the job dir. Returns the new
        numbers of `keep` (3, 4, ...)."""
        self.prepare(writable)
        return self.seal(stdout_fd=stdout_fd, stderr_fd=stderr_fd, keep=keep, cpu_s=cpu_s, memory_mb=memory_mb)

    def drop_capabilities(self) -> None:
        """The worker may hold every capability in its own user namespace (to mount job
        folders); its children keep none."""
        if libc.capset(ctypes.byref(self._cap_header), self._no_caps) != 0:
            raise OSError(ctypes.get_errno(), "capset")

    def prepare(self, writable: bool) -> None:
        """The part that needs no job: done ahead of time by a pre-forked candidate."""
        self.drop_capabilities()
        os.setpgid(0, 0)
        libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL if our forking parent dies
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        if self.rulesets:
            landlock.restrict_self(self.rulesets[writable])

    def seal(
        self,
        *,
        stdout_fd: int,
        stderr_fd: int,
        keep: list[int],
        cpu_s: float | None,
        memory_mb: int,
        bpf: bytes | None = None,
    ) -> list[int]:
        """bpf: this run's own filter (its memory limit differs from the worker's default)."""
        kept = install_fds(stdout_fd, stderr_fd, keep)
        set_limits(cpu_s, memory_mb, self.tasks)
        if bpf is not None:
            seccomp_filter.load(seccomp_filter.Loadable(bpf))
        elif self.seccomp is not None:
            seccomp_filter.load(self.seccomp)
        return kept


def install_fds(stdout_fd: int, stderr_fd: int, keep: list[int]) -> list[int]:
    """0 = /dev/null, 1 and 2 = capture pipes, 3.. = keep; every other fd is closed."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 512) for fd in [stdout_fd, stderr_fd, *keep]]
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(high[0], 1)
    os.dup2(high[1], 2)
    for i, fd in enumerate(high[2:]):
        os.dup2(fd, 3 + i)
    os.closerange(3 + len(keep), 1 << 20)
    return list(range(3, 3 + len(keep)))


def cpu_limits(cpu_s: float) -> tuple[int, int]:
    """RLIMIT_CPU for a run with this timeout: soft (SIGXCPU), hard (SIGKILL), in seconds."""
    cpu = max(1, math.ceil(cpu_s)) + 1
    return cpu, cpu + 1


def set_limits(cpu_s: float | None, memory_mb: int, tasks: int | None = None) -> None:
    """cpu_s None: no CPU limit (the long-lived judge; its runs are bounded by wall deadlines).
    tasks None: no task limit (see tasks_limit)."""
    limits = {}
    if cpu_s is not None:
        limits[resource.RLIMIT_CPU] = cpu_limits(cpu_s)
    if tasks is not None:
        limits[resource.RLIMIT_NPROC] = (tasks, tasks)
    limits.update(
        {
            resource.RLIMIT_AS: (memory_mb << 20, memory_mb << 20),
            resource.RLIMIT_FSIZE: (FSIZE_BYTES, FSIZE_BYTES),
            resource.RLIMIT_NOFILE: (NOFILE, NOFILE),
            resource.RLIMIT_CORE: (0, 0),
            resource.RLIMIT_STACK: (STACK_BYTES, STACK_BYTES),  # deep C recursion faults early, the same everywhere
        }
    )
    for which, value in limits.items():
        resource.setrlimit(which, value)
