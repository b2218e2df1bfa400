"""The seccomp filter for sandboxed children (libseccomp through `pyseccomp`).

Default allow, with a deny-list of what untrusted code has no business doing: sockets,
exec, new processes (threads stay allowed), signalling anything, tracing, namespace and
mount changes, io_uring, bpf, raising resource limits. Denials return EPERM, so code
sees an ordinary OSError instead of being killed, and the test verdict stays readable.
"""
from __future__ import annotations

import errno

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
    """A loaded-later filter object; call .load() in the child (NO_NEW_PRIVS is set by libseccomp)."""
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
