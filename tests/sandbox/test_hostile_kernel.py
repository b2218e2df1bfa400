"""Hostile candidates of the third red-team round, aimed past Python at the kernel and the worker:
calls that change what later runs get (scheduling and I/O priority), memory no limit counts
(vmsplice), another architecture's syscall numbers, a compile-time bomb, and a thread flood.
Each check passes only when the attack was contained. Runs as root and, through
test_unprivileged.py, again as an unprivileged user."""

import os

import pytest
from sbx_helpers import run_code

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall numbers of x86_64"),
]
EPERM, ENOSYS = 1, 38
WANT_15 = "def check(candidate):\n    assert candidate() == '1.5'\n"


run = run_code


def test_priority_and_vmsplice_calls_are_refused(pool):
    # sched_setattr(SCHED_IDLE) on the zygote's children outlived the run and reached every
    # later candidate; ioprio_set carried bits from one run to the next; vmsplice pinned huge
    # pages in pipes, memory the address-space limit never saw.
    res = run(
        pool,
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)

        class IoVec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

        def errno_of(result):
            return ctypes.get_errno() if result == -1 else 0

        def f():
            sched_attr = (ctypes.c_uint32 * 12)(48, 5)  # size 48, policy SCHED_IDLE
            param = ctypes.c_int(0)
            _, write_end = os.pipe()
            byte = ctypes.create_string_buffer(b"x")
            iov = IoVec(ctypes.cast(byte, ctypes.c_void_p), 1)
            return [
                errno_of(libc.syscall(314, 0, sched_attr, 0)),  # sched_setattr
                errno_of(libc.syscall(142, 0, ctypes.byref(param))),  # sched_setparam
                errno_of(libc.syscall(251, 1, 0, 3 << 13)),  # ioprio_set(self, idle class)
                errno_of(libc.syscall(278, write_end, ctypes.byref(iov), 1, 0)),  # vmsplice
            ]
        """,
        f"def check(candidate):\n    assert candidate() == [{EPERM}] * 4\n",
    )
    assert res.passed, res


def test_other_architecture_syscall_fails_as_unknown(pool):
    # x32's numbers (nr | 0x40000000) pass the x86_64 architecture check; they used to end the
    # candidate with SIGSYS, which read as "memory limit exceeded".
    res = run(
        pool,
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)

        def f():
            if libc.syscall(0x40000000 | 57) == -1:  # x32 fork
                return ctypes.get_errno()
            return 0
        """,
        f"def check(candidate):\n    assert candidate() == {ENOSYS}\n",
    )
    assert res.passed, res


def _finally_bomb(depth: int, exits: int) -> str:
    """CPython writes a `finally` body once per way out of its `try`: code of (exits + 2) ** depth."""
    lines, indent = ["def f(a=0):"], "    "
    for _ in range(depth):
        lines.append(indent + "try:")
        lines += [f"{indent}    if a == {j}: return {j}" for j in range(exits)]
        lines.append(indent + "finally:")
        indent += "    "
    lines += [indent + "a += 1", "    return -1"]
    return "\n".join(lines) + "\n"


def test_compile_bomb_is_compiled_under_the_candidates_limits(pool):
    # 2 KB of source that takes gigabytes to compile. The worker compiles what it can ahead of
    # the run, with no limit of its own: it grew past 2 GB, stopped answering and was replaced.
    workers = set(pool.worker_pids)
    source = _finally_bomb(depth=7, exits=6)
    assert len(source) < 2500
    res = run(pool, source, "def check(candidate):\n    assert candidate() == -1\n", memory_mb=256)
    assert not res.passed
    assert res.status in ("error", "memory_limit", "timeout"), res
    assert set(pool.worker_pids) == workers, "a worker died compiling the candidate"
    assert run(pool, "def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n").passed


@pytest.mark.skipif(os.geteuid() == 0, reason="root is exempt from RLIMIT_NPROC: the unprivileged run checks it")
def test_threads_are_capped(pool):
    # A raw clone that reuses its caller's stack needs no memory the address-space limit sees;
    # only a task limit stops a flood of threads from taking the host's PIDs.
    res = run(
        pool,
        """
        import threading, time
        threading.stack_size(64 * 1024)

        def f():
            started = 0
            try:
                for _ in range(400):
                    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
                    started += 1
            except RuntimeError:  # can't start new thread
                pass
            return started
        """,
        "def check(candidate):\n    assert 0 < candidate() < 64\n",
    )
    assert res.passed, res
    assert run(pool, "def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n").passed


def test_modes_times_owners_and_new_xattr_calls_are_refused_and_leave_the_next_run_whole(pool):
    # bubblewrap's /, /tmp and /dev belong to the sandbox's uid, and Landlock has no right for
    # chmod, utime or chown: `chmod /dev 0` made every later candidate of the worker fail its
    # setup. setxattrat (463) was newer than libseccomp's names, so its rule was skipped.
    res = run(
        pool,
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)

        def refused(call, *args):
            try:
                call(*args)
            except OSError as exc:
                return exc.errno
            return 0

        def f():
            attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)  # struct xattr_args: value, size, flags
            xattr = libc.syscall(463, -100, b"/tmp", 0, b"user.bit", ctypes.byref(attr), 32)
            return [
                refused(os.chmod, "/dev", 0),
                refused(os.chmod, "/tmp", 0),
                refused(os.chmod, ".", 0),
                refused(os.utime, "/", (1, 1)),
                refused(os.chown, ".", 0, 0),
                ctypes.get_errno() if xattr == -1 else 0,
            ]
        """,
        f"def check(candidate):\n    assert candidate() == [{EPERM}] * 5 + [{ENOSYS}]\n",
    )
    assert res.passed, res
    later = run(pool, "import decimal\ndef f():\n    return str(decimal.Decimal('1.5'))\n", WANT_15)
    assert later.passed, later


def test_a_candidate_reads_its_own_limits_and_changes_none(pool):
    # Red-team round 8: refusing prlimit64 outright made resource.getrlimit raise PermissionError.
    res = run(
        pool,
        """
        import errno, resource

        def f():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            refused = []
            for change in (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard)),
                           lambda: resource.prlimit(0, resource.RLIMIT_NOFILE, (soft - 1, hard)),
                           lambda: resource.prlimit(1, resource.RLIMIT_NOFILE)):
                try:
                    change()
                except (PermissionError, ValueError):  # ValueError: Python's word for EPERM when setting
                    refused.append(True)
            return soft > 0 and refused == [True] * 3 and resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft
        """,
        "def check(candidate):\n    assert candidate() is True\n",
    )
    assert res.status == "pass", res
