"""A candidate must not choose what its verdict says, nor leave a change for a later run to see:
each attack on the real sandbox, with every layer the machine has. Runs as root and, through
test_unprivileged.py, again as an unprivileged user."""

import functools
import uuid

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool, seccomp_filter

pytestmark = pytest.mark.slow
needs_seccomp = pytest.mark.skipif(not seccomp_filter.available(), reason="no libseccomp")
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"


run = functools.partial(run_code, timeout_s=2.0)


def test_a_bool_written_over_an_equal_int_of_a_module_list_does_not_reach_the_next_run():
    # False == 0 in the plain forms: the judge took the list as unchanged and kept itself for the
    # next run, which saw calendar.mdays[0] as False. The candidate switches off its own check.
    hands_over = "import calendar\n\n\ndef check(candidate):\n    candidate(calendar.mdays)\n    assert False\n"
    later = "import calendar\n\n\ndef check(candidate):\n    assert candidate(repr(calendar.mdays[:2])) == '[0, 31]'\n"
    attack = """
        import gc

        def f(days):
            peer = next(o for o in gc.get_objects() if type(o).__name__ == "Peer")
            peer._changed = lambda *args: True
            days[0] = False
        """
    with SandboxPool(workers=1) as alone:
        assert not run_code(alone, attack, hands_over).passed
        assert run_code(alone, "def f(x):\n    return x\n", later).passed


def test_a_candidate_killed_while_writing_its_answer_times_out_as_one_that_hangs(pool):
    cut_off = """
        import os, struct, time

        def f():
            os.write(4, struct.pack("<I", 1000) + b'["ok", [')  # the header says 1,000 bytes; 10 come
            time.sleep(60)
        """
    result = run_code(pool, cut_off, "def check(candidate):\n    assert candidate() == 1\n", timeout_s=1.0)
    assert result.status == "timeout" and result.cases[0].status == "timeout", result.cases


@needs_seccomp
def test_a_candidate_cannot_die_by_the_signals_that_mean_the_memory_or_the_time_limit(pool):
    own_filter = """
        import ctypes, struct

        def f():
            libc = ctypes.CDLL(None, use_errno=True)
            kill_all = struct.pack("=HBBI", 0x06, 0, 0, 0x80000000)  # SECCOMP_RET_KILL_PROCESS
            buf = ctypes.create_string_buffer(kill_all, len(kill_all))

            class Program(ctypes.Structure):
                _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

            program = Program(1, ctypes.addressof(buf))
            refused = [libc.syscall(317, 1, 0, ctypes.byref(program)), libc.prctl(22, 2, ctypes.byref(program), 0, 0)]
            return refused + [ctypes.get_errno()]
        """
    result = run_code(pool, own_filter, "def check(candidate):\n    assert candidate() == [-1, -1, 1]\n")
    assert result.status == "pass", (result.status, result.cases)
    own_signal = """
        import fcntl, os, signal, time

        def f():
            r, w = os.pipe()
            fcntl.fcntl(r, fcntl.F_SETOWN, os.getpid())
            fcntl.fcntl(r, 10, signal.SIGXCPU)  # F_SETSIG
            fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC)
            os.write(w, b"x")
            time.sleep(1)
        """
    result = run_code(pool, own_signal, "def check(candidate):\n    candidate()\n", timeout_s=10)
    assert result.status == "error" and "not permitted" in result.human_eval_result, (
        result.status,
        result.human_eval_result,
    )


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


def test_a_module_list_written_into_and_moved_out_of_the_arguments_does_not_reach_the_next_run():
    # The answer writes calendar.mdays in place through its number in the call, and gives the tests'
    # dict a new list with the old content: the arguments, read again, read as sent (red-team round 14).
    hands_over = "import calendar\n\n\ndef check(candidate):\n    candidate({'d': calendar.mdays})\n    assert False\n"
    later = "import calendar\n\n\ndef check(candidate):\n    assert candidate(repr(calendar.mdays[:2])) == '[0, 31]'\n"
    attack = """
        import json, os, struct
        from sandbox import frames

        def f(d):
            days = d["d"]  # numbered in the judge's frame: 0 the arguments, 1 the dict, 2 mdays, 3 kwargs
            state = [
                ["=", 2, ["l", [99] + list(days[1:])]],
                ["=", 0, ["l", [["=", 1, ["d", [["d", ["l", list(days)]]]]]]]],
                ["=", 3, ["d", []]],
            ]
            data = json.dumps(["ok", state, "", 0]).encode()
            os.write(4, struct.pack("<I", len(data)) + data)
            while frames.read_frame(3) is not None:
                os.write(4, struct.pack("<I", 18) + b'["ok",[null],"",0]')
            os._exit(0)
        """
    with SandboxPool(workers=1) as alone:
        run_code(alone, attack, hands_over)
        assert run_code(alone, "def f(x):\n    return x\n", later).passed


def test_a_coroutine_kept_alive_by_a_cycle_warns_no_later_run():
    # Red-team round 16: the candidate's coroutine, in a list that holds itself, stood in the judge
    # past the run; a later collection warned "never awaited" into a later run's captured stderr.
    # 30,000 more lists carry the cycle into an old generation, which no collection in the run reaches.
    attack = "async def c():\n    return 1\n\n\ndef f():\n    a = [c()]\n    a.append(a)\n    return [a] + [[i] for i in range(30000)]\n"
    collects = (
        "import contextlib, gc, io\n\n\ndef check(candidate):\n    buf = io.StringIO()\n"
        "    with contextlib.redirect_stderr(buf):\n        gc.collect()\n"
        "    assert buf.getvalue() == '', buf.getvalue()\n    assert candidate() == 1\n"
    )
    with SandboxPool(workers=1) as alone:
        assert not run_code(alone, attack, "def check(candidate):\n    assert candidate() == 2\n").passed
        later = run_code(alone, "def f():\n    return 1\n", collects)
        assert later.passed, later.human_eval_result
