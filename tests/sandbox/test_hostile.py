"""Hostile candidates against the real sandbox. Most follow one pattern: the check only
passes if the attack worked, so "contained" means "did not pass", plus a host-side check.
Runs as root and, through test_unprivileged.py, again as an unprivileged user."""

import functools
import json
import os
import select
import socket
import time
import uuid

import psutil
import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool

pytestmark = pytest.mark.slow
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"


run = functools.partial(run_code, timeout_s=2.0)


def test_layers_are_all_on(pool):
    assert pool.layers["namespaces"] and pool.layers["landlock"] and pool.layers["seccomp"]


# ---- network ---------------------------------------------------------------------------


def test_tcp_to_host_listener(pool):
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.setblocking(False)
        port = srv.getsockname()[1]
        res = run(
            pool,
            f"""
            import socket
            def f():
                s = socket.create_connection(("127.0.0.1", {port}), timeout=1)
                s.sendall(b"hello")
                return "connected"
            """,
            WANT.format("connected"),
        )
        assert not res.passed
        assert not select.select([srv], [], [], 0.2)[0], "the candidate reached the host listener"


def test_udp_to_host_listener(pool):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as srv:
        srv.bind(("127.0.0.1", 0))
        port = srv.getsockname()[1]
        res = run(
            pool,
            f"""
            import socket
            def f():
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b"leak", ("127.0.0.1", {port}))
                return "sent"
            """,
            WANT.format("sent"),
        )
        assert not res.passed
        assert not select.select([srv], [], [], 0.2)[0], "a datagram reached the host"


def test_dns(pool):
    # A name lookup is a way out without a socket of one's own (a query to a name server
    # carries data out; an answer carries data in): every resolver route must come back empty.
    res = run(
        pool,
        """
        import socket
        def f(route):
            if route == "getaddrinfo":
                return socket.getaddrinfo("localhost", 80)[0][4][0]
            if route == "gethostbyname":
                return socket.gethostbyname("localhost")
            if route == "name server":
                return socket.gethostbyname("example.com")
            return socket.socket(socket.AF_INET, socket.SOCK_DGRAM).fileno()  # what a resolver sends with
        """,
        "def check(candidate):\n"
        "    assert candidate('getaddrinfo') == '127.0.0.1'\n"
        "    assert candidate('gethostbyname') == '127.0.0.1'\n"
        "    assert isinstance(candidate('name server'), str)\n"
        "    assert candidate('udp socket') >= 0\n",
    )
    assert len(res.cases) == 4, res
    # Each route raised: no answer reached the candidate and no socket was made.
    assert all(
        c.status == "error" and c.message.startswith(("gaierror:", "herror:", "PermissionError:")) for c in res.cases
    ), res
    assert "127.0.0.1" not in res.stdout_tail + res.stderr_tail + "".join(c.message for c in res.cases)


# ---- files -----------------------------------------------------------------------------


@pytest.fixture
def host_dir(tmp_path):
    os.chmod(tmp_path, 0o777)
    for parent in list(tmp_path.parents)[:3]:
        try:
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
        except PermissionError:
            pass
    return tmp_path


def test_read_secret_file(pool, host_dir):
    secret = uuid.uuid4().hex
    path = host_dir / "secret.txt"
    path.write_text(secret)
    os.chmod(path, 0o644)
    # The candidate tries every way out a result offers: stdout, stderr and an exception's message.
    res = run(
        pool,
        f"""
        import sys
        def f():
            data = open({str(path)!r}).read()
            print(data)
            print(data, file=sys.stderr)
            raise ValueError(data)
        """,
        "def check(candidate):\n    assert candidate() is None\n",
    )
    assert res.status == "error" and len(res.cases) == 1, res
    message = res.cases[0].message
    assert message.startswith(("FileNotFoundError:", "PermissionError:")) and str(path) in message, res  # open refused
    assert secret not in json.dumps(res.to_json()), "the secret's content left the sandbox"


def test_read_parent_environ(pool, monkeypatch):
    marker = "CS_SECRET_" + uuid.uuid4().hex
    monkeypatch.setenv("CS_SECRET_TOKEN", marker)
    res = run(
        pool,
        f"""
        import os
        def f():
            found = [os.environ.get("CS_SECRET_TOKEN", "")]
            for pid in ({os.getpid()}, os.getppid(), 1, 2):
                try:
                    found.append(open(f"/proc/{{pid}}/environ", "rb").read().decode(errors="replace"))
                except OSError:
                    pass
            return any({marker!r} in x for x in found)
        """,
        WANT.format(True),
    )
    assert not res.passed
    # and the workers' own environment was cleared
    for pid in pool.worker_pids:
        for child in psutil.Process(pid).children(recursive=True):
            try:
                assert "CS_SECRET_TOKEN" not in child.environ()
            except (psutil.AccessDenied, psutil.NoSuchProcess):
                pass


def test_write_outside(pool, host_dir):
    target = host_dir / "pwned.txt"
    res = run(
        pool,
        f"""
        def f():
            for p in ({str(target)!r}, "/tmp/cs_pwned", "/usr/cs_pwned"):
                try:
                    open(p, "w").write("x")
                except OSError:
                    pass
            return "wrote"
        """,
        WANT.format("wrote"),
    )
    assert res.status in ("pass", "fail")  # the function itself may return fine...
    assert not target.exists()  # ...but nothing reached the host
    assert not os.path.exists("/tmp/cs_pwned")


def test_delete_outside(pool, host_dir):
    victim = host_dir / "victim.txt"
    victim.write_text("keep me")
    os.chmod(victim, 0o666)
    res = run(
        pool,
        f"""
        import os, shutil
        def f():
            shutil.rmtree({str(host_dir)!r}, ignore_errors=True)
            os.remove({str(victim)!r})
            return "deleted"
        """,
        WANT.format("deleted"),
    )
    assert not res.passed
    assert victim.read_text() == "keep me"


def test_job_dir_is_writable(pool):
    res = run(
        pool,
        """
        import os
        def f():
            with open("scratch.txt", "w") as fh:
                fh.write("ok")
            return open("scratch.txt").read()
        """,
        WANT.format("ok"),
    )
    assert res.passed, res


# ---- resources -------------------------------------------------------------------------


def _descendants():
    return {p.pid for w in psutil.Process().children() for p in [w, *w.children(recursive=True)]}


def test_fork_sleepers(pool):
    before = len(psutil.pids())
    res = run(
        pool,
        """
        import os, time
        def f():
            n = 0
            for _ in range(200):
                try:
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    n += 1
                except OSError:
                    pass
            return n
        """,
        WANT.format(200),
    )
    assert not res.passed
    assert len(psutil.pids()) < before + 20


def test_thread_bomb(pool):
    res = run(
        pool,
        """
        import threading, time
        def f():
            n = 0
            try:
                while n < 100000:
                    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
                    n += 1
            except Exception:
                pass
            return n
        """,
        WANT.format(100000),
        timeout_s=3,
    )
    assert not res.passed
    assert run(pool, "def f():\n    return 1\n", WANT.format(1)).passed  # the pool goes on


def test_memory_bomb(pool):
    res = run(pool, "def f():\n    x = bytearray(8 << 30)\n    return len(x)\n", WANT.format(8 << 30))
    assert res.status == "memory_limit", res


def test_memory_bomb_gradual(pool):
    res = run(
        pool,
        """
        def f():
            hog = []
            while True:
                hog.append(bytearray(16 << 20))
        """,
        WANT.format(None),
        timeout_s=5,
        memory_mb=256,
    )
    # a slow machine may hit the deadline first; either way the host is untouched
    assert res.status in ("memory_limit", "crash", "timeout"), res
    assert res.peak_rss_kb < 300 * 1024


def test_disk_fill(pool):
    res = run(
        pool,
        """
        def f():
            with open("big.bin", "wb") as fh:
                for _ in range(1024):
                    fh.write(b"x" * (1 << 20))
            return "filled"
        """,
        WANT.format("filled"),
        timeout_s=5,
    )
    assert not res.passed
    assert "File too large" in res.cases[0].message or res.status != "pass"


def test_gigabyte_of_stdout(pool):
    t0 = time.monotonic()
    res = run(
        pool,
        """
        import sys
        def f():
            chunk = "y" * (1 << 20)
            for _ in range(1024):
                sys.stdout.write(chunk)
            return "done"
        """,
        WANT.format("nope"),
        timeout_s=3,
    )
    assert not res.passed
    assert len(res.stdout_tail) <= 4096
    assert time.monotonic() - t0 < 20


def test_infinite_loop(pool):
    t0 = time.monotonic()
    res = run(pool, "def f():\n    while True:\n        pass\n", WANT.format(1), timeout_s=1)
    assert res.status == "timeout" and res.human_eval_result == "timed out"
    assert time.monotonic() - t0 < 8


def test_sleep_past_deadline(pool):
    res = run(pool, "import time\ndef f():\n    time.sleep(30)\n    return 1\n", WANT.format(1), timeout_s=1)
    assert res.status == "timeout"
    assert res.wall_ms < 5000


def test_ignores_sigterm(pool):
    res = run(
        pool,
        """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        def f():
            while True:
                pass
        """,
        WANT.format(1),
        timeout_s=1,
    )
    assert res.status == "timeout"


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


# ---- verdict forgeries -----------------------------------------------------------------

TWO_CASES = "def check(candidate):\n    assert candidate() == 1\n    assert candidate() == 2\n"


def test_exit_zero_at_import(pool):
    res = run(pool, "import os\nos._exit(0)\ndef f():\n    return 0\n", TWO_CASES)
    assert not res.passed and res.n_passed == 0


def test_exit_zero_in_call(pool):
    res = run(pool, "import os\ndef f():\n    os._exit(0)\n", TWO_CASES)
    assert not res.passed and res.status == "error"


def test_system_exit_zero(pool):
    res = run(pool, "raise SystemExit(0)\ndef f():\n    return 0\n", TWO_CASES)
    assert not res.passed
    res = run(pool, "def f():\n    raise SystemExit(0)\n", TWO_CASES)
    assert not res.passed and res.n_passed == 0


def test_patch_check_and_builtins_through_frames(pool):
    res = run(
        pool,
        """
        import builtins, gc, sys
        def f():
            frame = sys._getframe()
            while frame is not None:
                for scope in (frame.f_globals, frame.f_locals):
                    if "check" in scope:
                        scope["check"] = lambda c: None
                    if "candidate" in scope:
                        scope["candidate"] = lambda *a: 1
                frame = frame.f_back
            for obj in gc.get_objects():
                if callable(obj) and getattr(obj, "__name__", "") in ("check", "run", "case_hook"):
                    try:
                        obj.__code__ = (lambda *a, **k: None).__code__
                    except Exception:
                        pass
            builtins.__build_class__ = None
            return 0
        """,
        TWO_CASES,
    )
    assert not res.passed and res.n_passed == 0


def test_settrace_skips_asserts(pool):
    res = run(
        pool,
        """
        import sys
        def tracer(frame, event, arg):
            if event == "line" and "assert" in str(frame.f_code.co_filename) + str(frame.f_code.co_name):
                frame.f_lineno = frame.f_lineno + 1
            return tracer
        sys.settrace(tracer)
        import threading
        threading.settrace(tracer)
        def f():
            sys.settrace(tracer)
            sys.setprofile(lambda *a: None)
            return 0
        """,
        TWO_CASES,
    )
    assert not res.passed and res.n_passed == 0


def test_always_equal_object(pool):
    res = run(
        pool,
        """
        class Eq(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        def f():
            return Eq(0)
        """,
        TWO_CASES,
    )
    assert not res.passed and res.n_passed == 0


def test_stop_iteration_does_not_end_the_tests_loop_in_silence(pool):
    # Raised inside map() over the candidate, a StopIteration would end all() early: a pass.
    res = run(
        pool,
        """
        def f(x):
            raise StopIteration
        """,
        "def check(candidate):\n    assert all(map(candidate, [1, 2, 3]))\n    assert sum(map(candidate, [4])) == 4\n",
    )
    assert (
        not res.passed
        and res.status == "error"
        and res.cases[0].message == "RuntimeError: the candidate raised StopIteration"
    ), res


def test_fake_verdict_on_stdout(pool):
    res = run(
        pool,
        """
        import sys
        def f():
            print("passed")
            print('{"passed": true, "result": "passed"}')
            sys.stderr.write("passed\\n")
            return 0
        """,
        TWO_CASES,
    )
    assert not res.passed and "passed" in res.stdout_tail


def test_cannot_find_expected_values_in_memory(pool):
    secret = uuid.uuid4().hex
    res = run(
        pool,
        """
        import gc
        def f():
            for obj in gc.get_objects():
                for value in (getattr(obj, "co_consts", ()) or ()):
                    if isinstance(value, str) and len(value) == 32 and "assert" not in value:
                        return value
            return None
        """,
        WANT.format(secret),
    )
    assert not res.passed


def test_tests_that_would_check_nothing_fail_every_candidate_with_the_reason(pool):
    # Red-team round 8: a pytest class ran no assert, and a wrong candidate "passed 0 of 0".
    tests = "class TestAdd:\n    def test_small(self):\n        assert f(1, 2) == 3\n"
    res = run_code(pool, "def f(a, b):\n    return a - b\n", tests)
    assert not res.passed and res.status != "pass"
    assert res.human_eval_result == (
        "failed: the tests would check nothing: the tests are in class TestAdd, which the sandbox does not run:"
        " write them as check(candidate) with asserts, top-level test_ functions, or top-level asserts"
    )


def test_an_assert_that_binds_a_name_is_run_as_python_runs_it(pool):
    # Red-team round 8: rewritten into a lambda, `s := ...` bound s there, and the next assert's
    # NameError made a right candidate an error.
    tests = "def check(candidate):\n    assert (s := candidate(1, 2)) == 3\n    assert s + 1 == 4\n"
    right = run_code(pool, "def f(a, b):\n    return a + b\n", tests)
    assert right.passed and [c.name for c in right.cases] == ["assert s + 1 == 4"]
    wrong = run_code(pool, "def f(a, b):\n    return a - b\n", tests)
    assert not wrong.passed and wrong.status == "fail"


def test_an_exception_class_the_prompt_defines_or_imports_is_caught_as_the_tests_expect(pool):
    # Held-out problems probe: a right candidate raising the prompt's own exception class, or json's
    # JSONDecodeError, failed, since only builtin exceptions were rebuilt for the tests.
    prompt = "import json\n\nclass EmptyError(ValueError):\n    pass\n\n\n"
    completion = "def f(text):\n    if not text:\n        raise EmptyError('empty')\n    return json.loads(text)\n"
    tests = (
        "def check(candidate):\n"
        "    try:\n        candidate('')\n        assert False, 'no error'\n    except EmptyError as exc:\n"
        "        assert str(exc) == 'empty'\n"
        "    try:\n        candidate('{')\n        assert False, 'no error'\n    except json.JSONDecodeError:\n"
        "        pass\n"
        "    assert candidate('[1]') == [1]\n"
    )
    right = run_code(pool, completion, tests, prompt=prompt)
    assert right.passed, right
    # A name no one defined is still no exception the tests can catch by type.
    other = run_code(pool, "def f(text):\n    raise type('EmptyErrorX', (Exception,), {})('x')\n", tests, prompt=prompt)
    assert not other.passed


def test_values_beyond_plain_data_cross_as_the_program_means_them(pool):
    """Held-out problems probe: an instance of the prompt's class, a generator, a Counter and a
    date argument could not cross the process boundary, so right candidates failed."""
    prompt = (
        "import collections\nimport datetime\n\n"
        "class Point:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n"
        "    def __eq__(self, other):\n        return (self.x, self.y) == (other.x, other.y)\n\n\n"
    )
    code = (
        "def f(day, text):\n"
        "    return Point(day.month, 2), (c for c in text), collections.Counter(text), day + datetime.timedelta(1)\n"
    )
    tests = (
        "def check(candidate):\n"
        "    point, chars, counts, after = candidate(datetime.date(2026, 12, 5), 'aab')\n"
        "    assert point == Point(12, 2)\n    assert list(chars) == ['a', 'a', 'b']\n"
        "    assert counts == collections.Counter(a=2, b=1) and counts['z'] == 0\n"
        "    assert after == datetime.date(2026, 12, 6)\n"
    )
    right = run_code(pool, code, tests, prompt=prompt)
    assert right.passed and len(right.cases) == 4, right
    # The candidate's own class of the prompt's name, with an __eq__ that says yes to anything:
    # the judge rebuilds the prompt's Point, whose __eq__ decides.
    forged = "class Point:\n    def __eq__(self, other):\n        return True\n\n\ndef f(day, text):\n    return Point(), iter(text), None, None\n"
    lying = run_code(pool, forged, tests, prompt=prompt)
    assert not lying.passed and lying.cases[0].status != "pass"


def test_the_codec_rebuilds_only_classes_the_prompt_defines(pool):
    """Red-team rounds 9 and 10 (the codec's new types): a class of the tests' (an Approx with a
    tolerance), a StopIteration subclass of the prompt's, a test argument the candidate cannot
    rebuild, an endless iterator as argument. (A prompt class rebuilt in a state its constructor
    would not make, a Rational of 0/0, equals what its own __eq__ says, as in plain Python.)"""
    prompt = (
        "class Exhausted(StopIteration):\n    pass\n\n"
        "class Rational:\n    def __init__(self, n, d):\n        if d == 0:\n            raise ZeroDivisionError(d)\n"
        "        self.n, self.d = n, d\n\n"
        "    def __eq__(self, other):\n        return self.n * other.d == other.n * self.d\n\n\n"
    )
    approx = (
        "class Approx:\n    def __init__(self, v, tol=1e-9):\n        self.v, self.tol = v, tol\n\n"
        "    def __eq__(self, other):\n        return abs(self.v - other) <= self.tol\n\n\n"
        "def check(candidate):\n    assert candidate(1) == 0.5\n"
    )
    forged_approx = (
        "class Approx:\n    pass\n\n\ndef f(x):\n    a = Approx()\n    a.v, a.tol = 0, float('inf')\n    return a\n"
    )
    assert not run_code(pool, forged_approx, approx, prompt=prompt).passed
    halves = "def check(candidate):\n    assert candidate(1) == Rational(1, 2)\n"
    assert run_code(pool, "def f(x):\n    return Rational(2, 4)\n", halves, prompt=prompt).passed
    every = "def check(candidate):\n    assert all(map(candidate, [1, 2, 3]))\n"
    assert not run_code(pool, "def f(x):\n    raise Exhausted()\n", every, prompt=prompt).passed
    # Arguments: a class only the tests define fails the call at once; an endless iterator is taken
    # lazily, item by item, as the candidate asks for them (never drained by the judge).
    boxed = "class Box:\n    def __init__(self, v):\n        self.v = v\n\n\ndef check(candidate):\n    assert candidate(Box(3)) == 3\n"
    refused = run_code(pool, "def f(box):\n    return box.v\n", boxed, prompt=prompt)
    assert refused.status == "error" and "Box" in refused.human_eval_result
    endless = "import itertools\n\n\ndef check(candidate):\n    assert candidate(itertools.count()) == 0\n"
    assert run_code(pool, "def f(xs):\n    return next(xs)\n", endless, prompt=prompt).passed


def test_a_runs_decimal_precision_does_not_reach_the_next_run():
    # Red-team round 10: the judge lives from run to run, and a tests file that set the decimal
    # precision to 1 made the next problem's wrong Decimal pass. One worker: one judge for both.
    careless = (
        "import decimal\n\n\ndef check(candidate):\n    decimal.getcontext().prec = 1\n    assert candidate() == 1\n"
    )
    exact = "import decimal\n\n\ndef check(candidate):\n    assert candidate() == decimal.Decimal(1) / 3\n"
    with SandboxPool(workers=1) as alone:
        assert run_code(alone, "def f():\n    return 1\n", careless).passed
        wrong = "import decimal\n\n\ndef f():\n    return decimal.Decimal('0.3')\n"
        assert not run_code(alone, wrong, exact).passed
