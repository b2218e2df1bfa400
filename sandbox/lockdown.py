"""Per-run hardening of a freshly forked child, applied in this order:
own process group, not dumpable, Landlock, fd hygiene, rlimits, seccomp (last, since it
would forbid nothing earlier steps need but must cover everything after)."""
from __future__ import annotations

import ctypes
import math
import os
import resource

from sandbox import landlock, seccomp_filter

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4
_libc = ctypes.CDLL(None, use_errno=True)

FSIZE_BYTES = 16 << 20
NOFILE = 64


class Guard:
    """Built once in the worker, before any job: opens the read-only roots and compiles
    the seccomp filter, so that forked children only have to apply them."""

    def __init__(self, landlock_abi: int, bpf: bytes | None, read_paths: list[str]):
        self.abi = landlock_abi
        self.read_fds = [os.open(p, os.O_PATH | os.O_CLOEXEC) for p in read_paths if os.path.isdir(p)]
        self.file_fds = {}
        for path, mask in (("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE),
                           ("/dev/urandom", landlock.READ_FILE)):
            if os.path.exists(path):
                self.file_fds[os.open(path, os.O_PATH | os.O_CLOEXEC)] = mask
        self.bpf = bpf

    @property
    def layers(self) -> dict:
        return {"landlock": self.abi, "seccomp": self.bpf is not None, "rlimits": True}

    def apply(self, *, write_dir: str | None, stdout_fd: int, stderr_fd: int, keep: list[int],
              cpu_s: float | None, memory_mb: int) -> list[int]:
        """Harden the calling child. Returns the new numbers of `keep` (3, 4, ...)."""
        os.setpgid(0, 0)
        _libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL if our forking parent dies
        _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        if self.abi:
            write_fds = [os.open(write_dir, os.O_PATH | os.O_CLOEXEC)] if write_dir else []
            landlock.restrict(self.abi, self.read_fds, write_fds, self.file_fds)
        kept = install_fds(stdout_fd, stderr_fd, keep)
        set_limits(cpu_s, memory_mb)
        if self.bpf is not None:
            seccomp_filter.load(self.bpf)
        return kept


def install_fds(stdout_fd: int, stderr_fd: int, keep: list[int]) -> list[int]:
    """0 = /dev/null, 1 and 2 = capture pipes, 3.. = keep; every other fd is closed."""
    import fcntl

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
    })
    for which, value in limits.items():
        resource.setrlimit(which, value)
