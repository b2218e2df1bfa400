"""Calls across the sandbox at their edges (sandbox.calls): what one run's tests leave in the judge,
the standard library's exceptions and values, print order around callbacks, a call cut off by the
tests' alarm, the exceptions the judge keeps; on the real sandbox."""

import time

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool, call_pipes

# ---- red-team round 12 -------------------------------------------------------------------------

KWLIST_LEFT = "import keyword\n\n\ndef check(candidate):\n    assert candidate(len(keyword.kwlist)) > 30\n"


def test_what_one_runs_tests_leave_in_the_judge_does_not_reach_the_next_run():
    alarmed = (
        "import signal\n\n\nclass Late(Exception):\n    pass\n\n\ndef check(candidate):\n"
        "    def ring(*_):\n        raise Late()\n\n    signal.signal(signal.SIGALRM, ring)\n    signal.alarm(1)\n"
        "    assert candidate(1) == 1\n"
    )
    redirected = "import io\nimport sys\n\n\ndef check(candidate):\n    sys.stdout = io.StringIO()\n    candidate(1)\n"
    untouched = (
        "import sys\n\n\ndef check(candidate):\n    assert sys.stdout is sys.__stdout__\n    assert candidate(2) == 2\n"
    )
    printing = "def check(candidate):\n    assert candidate(2) == 2\n"
    # The candidate rewrites the judge's own container of the call's arguments as well, so that the
    # arguments read as sent: the judge must still see the module's list changed.
    forging = (
        "import gc\n\n\ndef f(words):\n    peer = next(o for o in gc.get_objects() if type(o).__name__ == 'Peer')\n"
        "    send = peer._send\n\n    def forged(message):\n        peer._send = send\n"
        "        send(['ok', [['t', [['=', 1, ['l', ['PWNED']]], ['=', 0, ['l', [['l', list(words)]]]]]]], '', 0])\n\n"
        "    peer._send = forged\n"
    )
    slow = "import time\n\n\ndef f(x):\n    time.sleep(1.5)\n    return x\n"
    with SandboxPool(workers=1) as alone:
        assert not run_code(alone, "def f(x):\n    raise ValueError\n", alarmed).passed
        # The alarm would go off in the judge during the next problem's run.
        assert run_code(alone, slow, printing, timeout_s=5).passed
        time.sleep(1.2)
        assert run_code(alone, "def f(x):\n    print('ok')\n    return x\n", printing).passed
        assert not run_code(alone, "def f(x):\n    raise ValueError\n", redirected).passed
        assert run_code(alone, "def f(x):\n    print('ok')\n    return x\n", untouched).passed
        run_code(alone, forging, "import keyword\n\n\ndef check(candidate):\n    candidate(keyword.kwlist)\n")
        assert run_code(alone, "def f(n):\n    return n\n", KWLIST_LEFT).passed


def test_a_tests_stopiteration_sent_back_still_cannot_end_the_tests_iteration(pool):
    lines = "def check(candidate):\n    lines = iter(['a', 'b'])\n    assert all(map(candidate, [lines.__next__]))\n"
    relay = (
        "def f(read):\n    try:\n        while True:\n            read()\n    except StopIteration as stop:\n"
        "        raise ValueError() from stop if False else stop\n"
    )
    assert not run_code(pool, relay, lines).passed


def test_standard_library_exceptions_keep_their_class_or_their_builtin_base(pool):
    tests = (
        "def check(candidate):\n    import statistics\n    try:\n        candidate([])\n"
        "    except statistics.StatisticsError:\n        pass\n    else:\n        assert False\n"
        "    try:\n        candidate([])\n    except ValueError:\n        pass\n"
    )
    assert run_code(pool, "import statistics\n\n\ndef f(xs):\n    return statistics.mean(xs)\n", tests).passed
    base_only = "def check(candidate):\n    try:\n        candidate('{')\n    except ValueError as exc:\n        assert 'Expecting' in str(exc)\n"
    assert run_code(pool, "import json\n\n\ndef f(text):\n    return json.loads(text)\n", base_only).passed


def test_more_kinds_of_value_cross(pool):
    tests = (
        "import collections\n\n\ndef check(candidate):\n    assert candidate({'a': 1, 'b': 2}) == {'a', 'b'}\n"
        "    assert sorted(candidate(collections.UserList([3, 1]))) == [1, 3]\n"
    )
    code = (
        "import collections\n\n\ndef f(x):\n    return x.keys() if isinstance(x, dict) else collections.UserList(x)\n"
    )
    assert run_code(pool, code, tests).passed
    status = "import http\n\n\ndef check(candidate):\n    assert candidate() == 404\n"
    assert run_code(pool, "import http\n\n\ndef f():\n    return http.HTTPStatus.NOT_FOUND\n", status).passed


def test_prints_keep_their_order_around_callbacks_and_generators_close_and_return(pool):
    ordered = (
        "import contextlib\nimport io\n\n\ndef check(candidate):\n    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n        candidate(lambda: print('cb'))\n"
        "    assert buffer.getvalue() == 'start\\ncb\\nend\\n'\n"
    )
    assert run_code(pool, "def f(cb):\n    print('start')\n    cb()\n    print('end')\n", ordered).passed
    gen = "def f():\n    try:\n        yield 1\n        yield 2\n    finally:\n        print('closed')\n    return 'done'\n"
    tests = (
        "def check(candidate):\n    g = candidate()\n    assert next(g) == 1\n    g.close()\n"
        "    def outer():\n        value = yield from candidate()\n        yield value\n"
        "    assert list(outer()) == [1, 2, 'done']\n"
    )
    result = run_code(pool, gen, tests)
    assert result.passed and "closed" in result.stdout_tail
    # A generator is not run ahead of what the tests take (the first 1,024 items come one by one):
    # its calls back to the tests show how far it went (probe 11 counted past 64).
    counting = (
        "def check(candidate):\n    seen = []\n    g = candidate(seen.append)\n    for _ in range(300):\n        next(g)\n"
        "    assert len(seen) == 300\n"
    )
    ahead = "def f(note):\n    n = 0\n    while True:\n        n += 1\n        note(n)\n        yield n\n"
    assert run_code(pool, ahead, counting).passed
    # The tests read on from where the candidate stopped in their iterator.
    reading_on = "def check(candidate):\n    it = iter(range(1000))\n    assert candidate(it, 100) == 4950\n    assert next(it) == 100\n"
    assert run_code(pool, "def f(it, n):\n    return sum(next(it) for _ in range(n))\n", reading_on).passed


# ---- review of the channel ---------------------------------------------------------------------


def test_a_key_function_does_not_make_arguments_read_as_changed_and_user_lists_change_in_place(pool):
    # A handle re-encoded without its name read as a change, and every call with a function
    # argument wrote the arguments back: into a read-only list of the tests', an error.
    readonly = (
        "class Frozen(list):\n    def __setitem__(self, *_):\n        raise TypeError('read-only')\n\n\n"
        "def check(candidate):\n    assert candidate(Frozen([3, -1, 2]), abs) == [-1, 2, 3]\n"
    )
    assert run_code(pool, "def f(xs, key):\n    return sorted(xs, key=key)\n", readonly).passed
    user = "import collections\n\n\ndef check(candidate):\n    xs = collections.UserList([3, 1, 2])\n    candidate(xs)\n    assert list(xs) == [1, 2, 3]\n"
    assert run_code(pool, "def f(xs):\n    xs.sort()\n", user).passed


def test_a_call_cut_off_by_the_tests_alarm_breaks_the_channel_instead_of_shifting_answers(pool):
    tests = (
        "import signal\n\n\nclass Late(Exception):\n    pass\n\n\ndef check(candidate):\n"
        "    def ring(*_):\n        raise Late()\n\n    signal.signal(signal.SIGALRM, ring)\n"
        "    signal.setitimer(signal.ITIMER_REAL, 0.3)\n    try:\n        candidate('slow')\n    except Late:\n        pass\n"
        "    assert candidate('fast') == 'fast'\n"
    )
    code = "import time\n\n\ndef f(x):\n    if x == 'slow':\n        time.sleep(1)\n    return x\n"
    result = run_code(pool, code, tests, timeout_s=5)
    assert result.status == "error" and "cut off" in result.cases[-1].message  # never 'slow' for 'fast'


def test_the_judge_keeps_no_traceback_and_at_most_so_many_exceptions_of_its_own():
    from sandbox import calls

    peer = calls.Peer(call_pipes.JUDGE, -1, -1, classes={})
    try:
        raise ValueError("kept")
    except ValueError as exc:
        assert peer._keep(exc) == 0 and exc.__traceback__ is None
    for _ in range(calls.MOST_RAISED):
        peer._keep(KeyError())
    assert peer._keep(KeyError()) == -1 and len(peer._raised) == calls.MOST_RAISED
    peer.close()
    with pytest.raises(call_pipes.Broken, match="the run is over"):
        peer.call(0, (), {})
