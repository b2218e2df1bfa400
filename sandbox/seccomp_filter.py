"""The seccomp filter for sandboxed children (libseccomp through `pyseccomp`).

Default allow, with a deny-list of what untrusted code has no business doing: sockets,
exec, new processes (threads stay allowed), signalling anything, tracing, namespace and
mount changes, io_uring, bpf, changing resource limits or priorities, IPC objects, memfds,
vmsplice, extended attributes, objects charged to the host user's quotas (inotify, POSIX timers,
AIO), and changing modes, owners or times of files; other
architectures' syscall numbers and syscalls newer than the list fail. Denials
return EPERM, so code sees an ordinary OSError instead of being killed, and the test
verdict stays readable. The one kill: a single mapping larger than the memory limit.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import struct
from typing import TYPE_CHECKING

from sandbox.libc import libc

if TYPE_CHECKING:
    import pyseccomp  # ships no type hints: its names are Any to the type checker

CLONE_THREAD = 0x00010000
_PR_SET_SECCOMP, _F_SETSIG = 22, 10

DENIED = (
    # network: no sockets (the result channel is a pipe); socketpair only for AF_UNIX (see build())
    "socket",
    # no new programs or processes
    "execve",
    "execveat",
    "fork",
    "vfork",
    # no signals to anyone (raise() goes through tgkill too: abort still dies, via SIGSEGV)
    "kill",
    "tkill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    # no filter of its own: one that kills at any syscall ends the candidate with SIGSYS, the signal
    # of the memory limit's kill (see build()), and would choose its verdict
    "seccomp",
    # no looking into or steering other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "process_madvise",
    # no namespace, mount or root changes
    "mount",
    "umount2",
    "unshare",
    "setns",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    # kernel attack surface that test code never needs
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "iopl",
    "ioperm",
    "personality",
    "lookup_dcookie",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    # memory the address-space limit does not see, and channels that outlive a candidate:
    # SysV shared memory, queues and semaphores, POSIX message queues, memfds, extended attributes
    "shmget",
    "shmat",
    "shmctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "memfd_create",
    "memfd_secret",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    # modes, owners and times of what the candidate can reach. Landlock has no right for them, and
    # bubblewrap's own folders (/, /tmp, /dev) belong to the sandbox's uid: a chmod there would
    # stop every later candidate of the worker, and under a root app it reaches the host's device
    # nodes; times and modes would carry bits to later candidates
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "utime",
    "utimes",
    "futimesat",
    "utimensat",
    # the mount table, which Landlock hides in /proc, names the user's folders
    "statmount",
    "listmount",
    # kernel objects charged to the host user's quotas or to the machine's, which no limit of ours
    # covers: inotify instances and watches (128 instances per user here: one candidate took 55),
    # POSIX timers (each holds a queued signal of the user's pending-signal limit), Linux AIO
    # contexts (one quota for the whole machine)
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "timer_create",
    "io_setup",
    "io_submit",
    "io_getevents",
    "io_pgetevents",
    "io_cancel",
    "io_destroy",
    # vmsplice: a pipe keeps the whole (huge) page a spliced byte came from, memory that no
    # limit of ours counts and that stays taken while the pipe lives
    "vmsplice",
    # limits and priorities are set before the filter and must stay put: a priority set on the
    # zygote or the judge would outlive the run, slow every later candidate, and carry bits to them
    # (prlimit64 only reads, and only the caller's own limits: see build())
    "setrlimit",
    "setpriority",
    "sched_setaffinity",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "ioprio_set",
)


# Syscalls added since Linux 5.1 have one number on every architecture. libseccomp 2.5 predates
# the newest names: these are their numbers.
UNIFIED_NUMBERS = {
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
    "memfd_secret": 447,
    "fchmodat2": 452,
    "statmount": 457,
    "listmount": 458,
}
# Numbers from here on (setxattrat, removexattrat, file_setattr... Linux 6.13 and later) came
# after this list was reviewed. They are refused with ENOSYS, the answer of a kernel that lacks
# them, so that libraries fall back to the older calls the list covers.
FIRST_UNREVIEWED = 463
_UNKNOWN_NAME = -1  # libseccomp's __NR_SCMP_ERROR


def syscall_number(name: str) -> int:
    """The native number of syscall `name`; negative where this architecture has no such call
    (one of libseccomp's pseudo numbers). A name that neither libseccomp
    nor UNIFIED_NUMBERS knows is an error: a deny rule must never be skipped in silence."""
    import pyseccomp as sc

    number = int(sc.resolve_syscall(sc.Arch.NATIVE, name))
    if number == _UNKNOWN_NAME:
        number = UNIFIED_NUMBERS.get(name, _UNKNOWN_NAME)
    if number == _UNKNOWN_NAME:
        raise ValueError(f"seccomp: no number known for syscall {name!r}")
    return number


def available() -> bool:
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def build(memory_bytes: int) -> pyseccomp.SyscallFilter:
    """The libseccomp filter object (compiled to BPF by bpf_program()).

    memory_bytes: the address-space limit. A single mapping bigger than all of it could never
    succeed; asking for one ends the process with SIGSYS, which the kernel reports to the
    zygote, so the verdict "memory_limit" rests on something the candidate cannot fake (a
    MemoryError it raises or reports proves nothing)."""
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    # Another architecture's syscall numbers (i386's int 0x80, x32's) would pass a filter written
    # for this one; they fail as unknown calls. Not a kill: SIGSYS must mean the mapping rule below.
    flt.set_attr(sc.Attr.ACT_BADARCH, sc.ERRNO(errno.ENOSYS))
    # A binary search over syscall numbers instead of a chain of ~80 tests: the kernel runs the
    # filter for every syscall number when it is loaded (to cache the always-allowed ones),
    # which took 103 µs of each load with the chain and 52 µs with the tree (measured).
    try:
        flt.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    except (OSError, ValueError, AttributeError):
        pass  # libseccomp before 2.5: the chain, which filters the same
    eperm = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        number = syscall_number(name)
        if number >= 0:  # else no such call on this architecture (fork, chmod... on arm64)
            flt.add_rule(eperm, number)
    flt.add_rule(sc.KILL_PROCESS, "mmap", sc.Arg(1, sc.GT, memory_bytes))
    flt.add_rule(sc.KILL_PROCESS, "mremap", sc.Arg(2, sc.GT, memory_bytes))
    # prlimit64 may read the caller's own limits (glibc's getrlimit, Python's resource.getrlimit):
    # refused for another pid (0 is the caller) or with new limits to set.
    flt.add_rule(eperm, "prlimit64", sc.Arg(0, sc.NE, 0))
    flt.add_rule(eperm, "prlimit64", sc.Arg(2, sc.NE, 0))
    # A pair of connected unix sockets reaches nothing outside the process, and asyncio's event loop
    # makes one to wake itself (asyncio.run): other families are refused as `socket` is.
    flt.add_rule(eperm, "socketpair", sc.Arg(0, sc.NE, socket.AF_UNIX))
    # The verdict reads SIGSYS as the memory limit's kill and SIGXCPU as the CPU limit's: a process
    # must not choose them. prctl(PR_SET_SECCOMP) loads a filter as seccomp() does, and F_SETSIG
    # makes a file's readiness signal any signal (O_ASYNC then sends it; without, SIGIO).
    flt.add_rule(eperm, "prctl", sc.Arg(0, sc.EQ, _PR_SET_SECCOMP))
    flt.add_rule(eperm, "fcntl", sc.Arg(1, sc.EQ, _F_SETSIG))
    # clone without CLONE_THREAD makes a process; with it, a thread.
    flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    # clone3 hides its flags in memory seccomp cannot read; ENOSYS makes glibc fall back to clone.
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    return flt


def bpf_program(memory_mb: int) -> bytes:
    """The filter as raw classic-BPF, built once by the pool; children load it with one prctl
    and never import libseccomp, which keeps the fork-servers small and forks cheap."""
    import tempfile

    with tempfile.TemporaryFile() as f:
        build(memory_mb << 20).export_bpf(f)
        f.seek(0)
        return _UNREVIEWED_PREFIX + f.read()


# struct sock_filter {u16 code; u8 jt, jf; u32 k}: libseccomp has no rule for a range of numbers,
# so three instructions ahead of its program refuse every number from FIRST_UNREVIEWED on. They
# only refuse: any other number goes on to libseccomp's program, which checks the architecture
# first (its jumps are relative, so it runs the same after them).
_BPF_LD_W_ABS, _BPF_JGE_K, _BPF_RET_K = 0x20, 0x35, 0x06
_SECCOMP_RET_ERRNO = 0x00050000
_UNREVIEWED_PREFIX = b"".join(
    struct.pack("=HBBI", code, jt, jf, k)
    for code, jt, jf, k in (
        (_BPF_LD_W_ABS, 0, 0, 0),  # the syscall number: seccomp_data.nr, at offset 0
        (_BPF_JGE_K, 0, 1, FIRST_UNREVIEWED),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | errno.ENOSYS),
    )
)


_PR_SET_NO_NEW_PRIVS = 38
_SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}.get(os.uname().machine)
_SET_MODE_FILTER, _FLAG_SPEC_ALLOW = 1, 4


class _FProg(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Loadable:
    """The filter in the struct the kernel reads, built before the fork, so that each child
    only makes the two calls of load()."""

    def __init__(self, program: bytes):
        self._buf = ctypes.create_string_buffer(program, len(program))
        self.prog = _FProg(len(program) // 8, ctypes.addressof(self._buf))


def load(filt: Loadable) -> None:
    """Install the filter on the calling (single-threaded) process, for good.

    SPEC_ALLOW: by default the kernel also turns on speculative-store-bypass and
    indirect-branch mitigations for filtered tasks, which made every run ~40% slower
    here. They protect secrets inside the filtered process from that process; ours
    holds none (the candidate is alone in its address space, the judge runs no
    untrusted code), so we keep the speed."""
    if _SYS_SECCOMP is None:
        raise OSError(errno.ENOSYS, f"seccomp: no syscall number known for {os.uname().machine}")
    if (
        libc.prctl(
            ctypes.c_int(_PR_SET_NO_NEW_PRIVS),
            ctypes.c_ulong(1),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        != 0
    ):
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
    for flags in (_FLAG_SPEC_ALLOW, 0):  # kernels before 4.17 do not know SPEC_ALLOW
        if (
            libc.syscall(
                ctypes.c_long(_SYS_SECCOMP),
                ctypes.c_ulong(_SET_MODE_FILTER),
                ctypes.c_ulong(flags),
                ctypes.byref(filt.prog),
            )
            == 0
        ):
            return
    err = ctypes.get_errno()
    raise OSError(err, f"seccomp: {os.strerror(err)}")
