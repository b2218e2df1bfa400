"""Hostile candidates against the real sandbox, as in test_hostile.py: crashes and signals, and
ways around the layers (descriptors, raw syscalls, new programs, the interpreter's own modules).
Runs as root and, through test_unprivileged.py, again as an unprivileged user."""

import functools
import os
import time

import pytest
from sbx_helpers import run_code

pytestmark = pytest.mark.slow
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"


run = functools.partial(run_code, timeout_s=2.0)


# ---- crashes and signals ---------------------------------------------------------------


def test_segfault_by_c_recursion(pool):
    res = run(
        pool,
        """
        import json, sys
        sys.setrecursionlimit(10**8)
        def f():
            x = []
            for _ in range(10**6):
                x = [x]
            return len(json.dumps(x, check_circular=False))   # C recursion: the C stack overflows
        """,
        WANT.format(1),
        timeout_s=5,
    )
    assert res.status == "crash", res
    assert "SIGSEGV" in res.cases[0].message


def test_kill_parent(pool):
    res = run(
        pool,
        """
        import os, signal
        def f():
            for pid in (os.getppid(), 1):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            return "killed"
        """,
        WANT.format("nope"),
    )
    assert res.status == "fail"
    assert run(pool, "def f():\n    return 1\n", WANT.format(1)).passed


def test_setsid_orphan_holding_pipes(pool):
    res = run(
        pool,
        """
        import os, time
        def f():
            try:
                os.setsid()
            except OSError:
                pass
            try:
                if os.fork() == 0:
                    time.sleep(120)
                    os._exit(0)
            except OSError:
                return "no fork"
            return "orphaned"
        """,
        WANT.format("orphaned"),
        timeout_s=2,
    )
    assert not res.passed
    assert res.wall_ms < 3000


def test_kill_minus_one(pool):
    if os.geteuid() == 0 and not pool.layers["namespaces"]:
        pytest.skip("kill(-1) is only tried as an unprivileged user or inside a PID namespace")
    res = run(
        pool,
        """
        import os, signal
        def f():
            os.kill(-1, signal.SIGKILL)
            return "killed all"
        """,
        WANT.format("killed all"),
    )
    assert not res.passed
    assert run(pool, "def f():\n    return 1\n", WANT.format(1)).passed


# ---- evasion ---------------------------------------------------------------------------


def test_fd_tampering(pool):
    res = run(
        pool,
        """
        import json, os, struct
        def frame(obj):
            data = json.dumps(obj).encode()
            return struct.pack("<I", len(data)) + data
        def f():
            fakes = [frame(["ok", True]), frame(["ready"]), frame({"id": 1, "ev": ["case", 0, "pass", "", ""]}),
                     frame({"id": 1, "ev": ["done"]}), b"passed\\n"]
            for fd in range(0, 64):
                for fake in fakes:
                    try:
                        os.write(fd, fake)
                    except OSError:
                        pass
            return 0
        """,
        WANT.format(42),
    )
    assert not res.passed
    assert all(c.status != "pass" for c in res.cases)


def test_ctypes_syscalls(pool):
    res = run(
        pool,
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        def f():
            got = []
            got.append(libc.syscall(41, 2, 1, 0))   # socket(AF_INET, SOCK_STREAM)
            got.append(libc.syscall(57))             # fork
            got.append(libc.syscall(59, b"/bin/sh", None, None))  # execve
            got.append(libc.syscall(62, 1, 9))       # kill(1, SIGKILL)
            got.append(libc.syscall(425, 8, 0))      # io_uring_setup
            return [g >= 0 for g in got]
        """,
        WANT.format([True] * 5),
    )
    assert res.status == "fail", res


def test_posix_bypass(pool):
    res = run(
        pool,
        """
        import posix
        def f():
            try:
                return posix.system("echo pwned > /tmp/cs_posix_pwned")
            except Exception:
                return -1
        """,
        WANT.format(0),
    )
    assert not res.passed
    assert not os.path.exists("/tmp/cs_posix_pwned")


def test_subprocess(pool):
    # Each route asks a new program to write a marker into the job folder, which the candidate
    # itself may write ("control"); the candidate reports whether the marker is there.
    routes = ("shell", "python", "os.system", "posix_spawn")
    res = run(
        pool,
        """
        import os, subprocess, sys
        def f(route):
            marker = os.path.join(os.getcwd(), route)
            write = f"open({marker!r}, 'w').write('ran')"
            try:
                if route == "control":
                    exec(write)
                elif route == "shell":
                    subprocess.run(["/bin/sh", "-c", "echo ran > " + marker], timeout=1)
                elif route == "python":
                    subprocess.run([sys.executable, "-c", write], timeout=1)
                elif route == "os.system":
                    os.system("echo ran > " + marker)
                elif route == "posix_spawn":
                    os.waitpid(os.posix_spawn(sys.executable, [sys.executable, "-c", write], {}), 0)
            except (OSError, subprocess.SubprocessError) as exc:
                print(route, "refused:", type(exc).__name__)
            return os.path.exists(marker)
        """,
        "def check(candidate):\n" + "".join(f"    assert candidate({r!r})\n" for r in ("control", *routes)),
    )
    assert [c.status for c in res.cases] == ["pass"] + ["fail"] * len(routes), res  # no marker: nothing ran
    # and each launch that can raise was refused (os.system only reports a failed shell).
    assert all(f"{route} refused:" in res.stdout_tail for route in routes if route != "os.system"), res


def test_sys_modules_tricks(pool):
    res = run(
        pool,
        """
        import sys, builtins
        class Liar:
            def __getattr__(self, name):
                return lambda *a, **k: True
        sys.modules["os"] = Liar()
        sys.modules["json"] = Liar()
        builtins.AssertionError = type("Nope", (Exception,), {})
        builtins.bool = lambda *_: True
        def f():
            return 0
        """,
        WANT.format(1),
    )
    assert res.status == "fail"


def test_reading_stdin(pool):
    t0 = time.monotonic()
    res = run(pool, "import sys\ndef f():\n    return sys.stdin.read()\n", WANT.format("x"))
    assert res.status == "fail" and time.monotonic() - t0 < 5


def test_exec_of_shell(pool):
    res = run(pool, "import os\ndef f():\n    os.execv('/bin/sh', ['sh', '-c', 'true'])\n", WANT.format(None))
    assert res.status == "error"
