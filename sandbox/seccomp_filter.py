"""The seccomp filter for sandboxed children (libseccomp through `pyseccomp`).

Default allow, with a deny-list of what untrusted code has no business doing: sockets,
exec, new processes (threads stay allowed), signalling anything, tracing, namespace and
mount changes, io_uring, bpf, raising resource limits. Denials return EPERM, so code
sees an ordinary OSError instead of being killed, and the test verdict stays readable.
"""
from __future__ import annotations

import ctypes
import errno
import os
import tempfile

CLONE_THREAD = 0x00010000

DENIED = (
    # network: no sockets at all (the result channel is a pipe)
    "socket", "socketpair",
    # no new programs or processes
    "execve", "execveat", "fork", "vfork",
    # no signals to anyone (raise() goes through tgkill too: abort still dies, via SIGSEGV)
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal",
    "pidfd_getfd",
    # no looking into or steering other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "process_madvise",
    # no namespace, mount or root changes
    "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # kernel attack surface that test code never needs
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open",
    "userfaultfd", "keyctl", "add_key", "request_key", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
    "acct", "quotactl", "syslog", "iopl", "ioperm", "personality", "lookup_dcookie",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init",
    # limits are set before the filter and must stay put
    "setrlimit", "prlimit64", "setpriority", "sched_setaffinity", "sched_setscheduler",
)


def available() -> bool:
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def build():
    """The libseccomp filter object (compiled to BPF by bpf_program())."""
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    eperm = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            flt.add_rule(eperm, name)
        except (OSError, ValueError):
            pass  # not a syscall on this architecture
    # clone without CLONE_THREAD makes a process; with it, a thread.
    flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    # clone3 hides its flags in memory seccomp cannot read; ENOSYS makes glibc fall back to clone.
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    return flt


def bpf_program() -> bytes:
    """The filter as raw classic-BPF, built once by the pool; children load it with one prctl
    and never import libseccomp, which keeps the fork-servers small and forks cheap."""
    with tempfile.TemporaryFile() as f:
        build().export_bpf(f)
        f.seek(0)
        return f.read()


_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_libc = ctypes.CDLL(None, use_errno=True)


class _FProg(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load(program: bytes) -> None:
    """Install the filter on the calling (single-threaded) process, for good."""
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _FProg(len(program) // 8, ctypes.addressof(buf))
    for args in ((_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
                 (_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0)):
        if _libc.prctl(*[ctypes.c_ulong(a) for a in args]) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"seccomp: {os.strerror(err)}")
