"""Findings 3 and 4 of issue 18: no memory outside the limits and no channel between
candidates (IPC objects, memfds, shared-memory files); the judge survives a crafted reply;
and a status is what the sandbox observed, never what the candidate names."""

import os
import textwrap

import psutil
import pytest
from sbx_helpers import program, run_code

from sandbox import SandboxPool

pytestmark = pytest.mark.slow
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"


run = run_code


# ---- memory outside the address-space limit, and channels that outlive a candidate ------


def test_ipc_objects_and_memfds_are_refused(pool):
    # x86_64 numbers: shmget, msgget, semget, mq_open, memfd_create; each answered EPERM (1).
    res = run(
        pool,
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        def f():
            calls = [(29, 0, 1 << 30, 0o1600), (68, 0, 0o1600), (64, 0, 1, 0o1600), (240, b"/q", 0o100, 0o600, None),
                     (319, b"m", 0)]
            errors = []
            for number, *args in calls:
                ctypes.set_errno(0)
                rc = libc.syscall(number, *args)
                errors.append(ctypes.get_errno() if rc == -1 else "made")
            return errors
        """,
        WANT.format([1, 1, 1, 1, 1]),
    )
    assert res.passed, res


def test_shared_memory_files_cannot_be_made(pool):
    res = run(
        pool,
        """
        def f():
            from multiprocessing import shared_memory
            try:
                shared_memory.SharedMemory(create=True, size=1 << 30)
                return "made"
            except OSError as exc:
                return type(exc).__name__
        """,
        WANT.format("PermissionError"),
    )
    assert res.passed, res


def _ipc_namespace(process: psutil.Process) -> str | None:
    """None for a process that is not the sandbox's Python, for one that ended while the test looked
    (a candidate reaped and forked again), and for a candidate forked ahead of its run: it is not
    dumpable, so an unprivileged user may not read its namespaces (root may); it is the zygote's
    child, in the zygote's namespace."""
    try:
        if not process.name().startswith("python"):
            return None
        return os.readlink(f"/proc/{process.pid}/ns/ipc")
    except (PermissionError, FileNotFoundError, psutil.NoSuchProcess):
        return None


def test_each_worker_has_its_own_ipc_namespace(pool):
    mine = os.readlink("/proc/self/ns/ipc")
    spaces = []
    for pid in pool.worker_pids:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        found = {_ipc_namespace(p) for p in procs}
        spaces.append(found - {None})
    assert all(s and mine not in s for s in spaces)
    assert not set.intersection(*spaces)  # not shared between workers either


def test_a_crafted_reply_is_an_error_of_that_candidate_only(pool):
    # Frames written straight to the reply pipe (fd 4): one over the byte cap, one of nothing but lists.
    for frame in (
        'struct.pack("<I", 15 << 20) + b"[" * 64',
        (
            'body = b\'["ok",["l",[\' + b",".join([b\'["l",[]]\'] * 600000) + b"]]]"\n'
            '    os.write(4, struct.pack("<I", len(body)) + body)'
        ),
    ):
        code = "import os, struct\ndef f():\n"
        code += f"    os.write(4, {frame})\n" if frame.startswith("struct") else f"    {frame}\n"
        code += "    os._exit(0)\n"
        res = run(pool, code, WANT.format(1), timeout_s=5)
        assert res.status == "error" and "malformed" in res.cases[0].message, res  # not a timeout or a dead judge
    assert run(pool, "def f():\n    return 1\n", WANT.format(1)).passed


def test_a_json_object_frame_is_an_unusable_reply_not_a_sandbox_error(pool):
    """A frame holding a JSON object where the judge expects a list: written before the candidate
    says it is ready (module level), or as a call's reply. Either is that candidate's error."""
    frame = 'body = b\'{"1": 2, "-1": 3}\'\nos.write(4, struct.pack("<I", len(body)) + body)\n'
    at_load = run(pool, "import os, struct\n" + frame + "def f():\n    return 1\n", WANT.format(1))
    assert at_load.status == "error" and "unusable" in at_load.cases[0].message, at_load
    as_reply = "import os, struct\ndef f():\n" + textwrap.indent(frame, "    ") + "    os._exit(0)\n"
    res = run(pool, as_reply, WANT.format(1))
    assert res.status == "error" and "unusable" in res.cases[0].message, res


# ---- statuses come from observations ------------------------------------------------------


def test_an_exception_class_named_memoryerror_is_an_error(pool):
    res = run(
        pool,
        """
        class MemoryError(Exception):
            pass
        def f():
            raise MemoryError("chosen")
        """,
        WANT.format(1),
    )
    assert res.status == "error" and "MemoryError" in res.cases[0].message, res


def test_a_raised_builtin_memoryerror_with_memory_to_spare_is_an_error(pool):
    res = run(pool, "def f():\n    raise MemoryError('chosen')\n", WANT.format(1))
    assert res.status == "error", res
    res = run(pool, "raise MemoryError('at import')\ndef f():\n    return 1\n", WANT.format(1))
    assert res.status == "error", res


def test_a_forged_memoryerror_reply_is_an_error(pool):
    res = run(
        pool,
        """
        import json, os, struct
        def f():
            body = json.dumps(["exc", "MemoryError", "forged", 10]).encode()
            os.write(4, struct.pack("<I", len(body)) + body)
            import time
            time.sleep(5)
        """,
        WANT.format(1),
        timeout_s=2,
    )
    assert res.status in ("error", "timeout") and res.status != "memory_limit", res


def test_running_out_of_memory_for_real_is_memory_limit(pool):
    res = run(
        pool,
        """
        def f():
            hog = []
            while True:
                hog.append(bytearray(8 << 20))
        """,
        WANT.format(None),
        timeout_s=10,
        memory_mb=256,
    )
    assert res.status == "memory_limit", res
    res = run(pool, "def f():\n    return len(bytearray(300 << 20))\n", WANT.format(300 << 20), memory_mb=256)
    assert res.status == "memory_limit", res  # more than the whole limit at once: SIGSYS, seen by the zygote


def test_other_named_exceptions_choose_no_status(pool):
    for name in ("TimeoutError", "AssertionError", "SystemError", "RecursionError", "KeyboardInterrupt"):
        res = run(pool, f"def f():\n    raise {name}('chosen')\n", WANT.format(1))
        assert res.status == "error", (name, res)
    tests = "def test_one():\n    assert f() == 1\n"
    res = pool.submit(program("def f():\n    raise AssertionError('chosen')\n", tests)).result(timeout=60)
    assert res.status == "error", res  # its own AssertionError is not a failed assert of the tests


def test_a_memory_limit_per_run_is_honoured():
    with SandboxPool(workers=1, memory_mb=512) as pool:
        fits = run(pool, "def f():\n    return len(bytearray(600 << 20))\n", WANT.format(600 << 20), memory_mb=1024)
        assert fits.passed, fits
        over = run(pool, "def f():\n    return len(bytearray(600 << 20))\n", WANT.format(600 << 20))
        assert over.status == "memory_limit", over
    with pytest.raises(ValueError, match="positive"):
        SandboxPool(workers=1, memory_mb=0)
