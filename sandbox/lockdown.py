"""Per-run hardening of a freshly forked child, applied in this order:
own process group, not dumpable, Landlock, fd hygiene, rlimits, seccomp (last, since it
would forbid nothing earlier steps need but must cover everything after)."""
from __future__ import annotations

import fcntl  # here, not in install_fds: a module imported after the fork costs every run its import
import math
import os
import resource

from sandbox import landlock, seccomp_filter
from sandbox.libc import libc

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4

FSIZE_BYTES = 16 << 20
NOFILE = 64
STACK_BYTES = 8 << 20


class Guard:
    """Built once in the worker, before any job: the Landlock rulesets and the seccomp
    program are ready, so a forked child only has to apply them (a few syscalls).

    job_dir is the worker's one job directory. Runs in a worker are sequential and the
    worker empties it between runs, so it is each run's own; keeping one inode lets the
    ruleset be built once instead of per run."""

    def __init__(self, landlock_abi: int, bpf: bytes | None, read_paths: list[str], job_dir: str):
        self.abi = landlock_abi
        self.seccomp = seccomp_filter.Loadable(bpf) if bpf is not None else None
        self.rulesets = {}
        if landlock_abi:
            opened = [os.open(p, os.O_PATH | os.O_CLOEXEC) for p in read_paths if os.path.isdir(p)]
            files = {}
            for path, mask in (("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE),
                               ("/dev/urandom", landlock.READ_FILE)):
                if os.path.exists(path):
                    files[os.open(path, os.O_PATH | os.O_CLOEXEC)] = mask
            job = os.open(job_dir, os.O_PATH | os.O_CLOEXEC)
            self.rulesets = {True: landlock.ruleset(landlock_abi, opened, [job], files),
                             False: landlock.ruleset(landlock_abi, opened, [], files)}
            for fd in [*opened, *files, job]:
                os.close(fd)

    @property
    def layers(self) -> dict:
        return {"landlock": self.abi, "seccomp": self.seccomp is not None, "rlimits": True}

    def apply(self, *, writable: bool, stdout_fd: int, stderr_fd: int, keep: list[int],
              cpu_s: float | None, memory_mb: int) -> list[int]:
        """Harden the calling child; `writable`: may write in the job dir. Returns the new
        numbers of `keep` (3, 4, ...)."""
        self.prepare(writable)
        return self.seal(stdout_fd=stdout_fd, stderr_fd=stderr_fd, keep=keep, cpu_s=cpu_s, memory_mb=memory_mb)

    def prepare(self, writable: bool) -> None:
        """The part that needs no job: done ahead of time by a pre-forked candidate."""
        os.setpgid(0, 0)
        libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL if our forking parent dies
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        if self.rulesets:
            landlock.restrict_self(self.rulesets[writable])

    def seal(self, *, stdout_fd: int, stderr_fd: int, keep: list[int], cpu_s: float | None,
             memory_mb: int) -> list[int]:
        kept = install_fds(stdout_fd, stderr_fd, keep)
        set_limits(cpu_s, memory_mb)
        if self.seccomp is not None:
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


def set_limits(cpu_s: float | None, memory_mb: int) -> None:
    """cpu_s None: no CPU limit (the long-lived judge; its runs are bounded by wall deadlines)."""
    limits = {}
    if cpu_s is not None:
        cpu = max(1, math.ceil(cpu_s)) + 1
        limits[resource.RLIMIT_CPU] = (cpu, cpu + 1)  # soft: SIGXCPU, hard: SIGKILL
    limits.update({
        resource.RLIMIT_AS: (memory_mb << 20, memory_mb << 20),
        resource.RLIMIT_FSIZE: (FSIZE_BYTES, FSIZE_BYTES),
        resource.RLIMIT_NOFILE: (NOFILE, NOFILE),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_STACK: (STACK_BYTES, STACK_BYTES),  # deep C recursion faults early, the same everywhere
    })
    for which, value in limits.items():
        resource.setrlimit(which, value)
