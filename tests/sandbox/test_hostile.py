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
