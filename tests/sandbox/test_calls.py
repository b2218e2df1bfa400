"""Calls between the judge and the candidate (sandbox.calls, sandbox.arguments): arguments changed
in place, arguments returned as themselves, and functions in both directions, on the real sandbox
where a run is involved."""

import collections

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool, codec, frames
from sandbox.decoder import Decoder, from_plain

# ---- the codec: one value, one object; the caller's own objects come home changed ---------------


def _answered(sent, change, classes=None):
    """What the caller holds after the callee decoded `sent`, ran `change` on its copy, and
    answered with its state, encoded as sandbox.calls does (received values go home)."""
    encoder = codec.Encoder()
    plain = frames.loads(frames.dumps(encoder.encode(sent)))
    decoder = Decoder(classes)
    copy = decoder.decode(plain)
    change(copy)
    answer = codec.Encoder(received=decoder.objects).encode(copy)
    back = Decoder(classes, sent=encoder.kept)
    return back.decode(frames.loads(frames.dumps(answer))), back.written


def test_two_names_for_one_list_are_one_list_after_crossing_and_cycles_survive():
    row = [0]
    copy = from_plain(codec.to_plain([row, row, {"k": row}]))
    assert copy[0] is copy[1] is copy[2]["k"]

    class Node:
        pass

    first, second = Node(), Node()
    first.next, second.prev = second, first  # a doubly linked pair: a cycle
    Node.__module__ = "__tests__"  # a class of the program's own, as the judge runs it
    back = from_plain(codec.to_plain(first), classes={"Node": Node})
    assert back.next.prev is back


def test_an_answer_writes_into_the_callers_objects_keeping_their_identity():
    class Point:
        __module__ = "__tests__"

        def __init__(self, x):
            self.x = x

    a, b = Point(3), Point(1)
    points = [a, b]
    matrix = [[1, 2], [3, 4]]
    row = matrix[0]
    counts = collections.defaultdict(list, {"b": [1]})
    window = collections.deque([1, 2], maxlen=2)

    def change(copy):
        copy[0].sort(key=lambda p: p.x)  # reordered: the caller's a and b keep their own values
        copy[0][0].x = 10
        copy[1].reverse()
        copy[2]["a"] = [2]
        copy[3].append(9)

    sent = [points, matrix, counts, window]
    back, written = _answered(sent, change, {"Point": Point})
    assert back is sent and back[0] is points and back[1] is matrix and back[2] is counts  # all came home
    assert points == [b, a] and b.x == 10 and a.x == 3  # identity, not position, decides
    assert matrix == [[3, 4], [1, 2]] and matrix[1] is row  # the tests' row moved with it
    assert list(counts) == ["b", "a"] and counts["new"] == []  # its factory kept
    assert list(window) == [2, 9] and window.maxlen == 2
    assert any(w is points for w in written)


def test_an_answer_cannot_turn_the_callers_object_into_another_kind_or_bypass_its_methods():
    class ReadOnly(dict):
        def __setitem__(self, key, value):
            raise TypeError("read-only")

        def __delitem__(self, key):
            raise TypeError("read-only")

    with pytest.raises(codec.CodecError):
        _answered([ReadOnly(a=1)], lambda copy: copy[0].clear())
    sent = [[1, 2]]
    encoder = codec.Encoder()
    encoder.encode(sent)
    with pytest.raises(codec.CodecError, match="cannot become"):
        Decoder(sent=encoder.kept).decode(["=", 1, ["s", []]])  # a list made a set
    with pytest.raises(codec.CodecError, match="reference to nothing"):
        Decoder(sent=encoder.kept).decode(["=", 7, ["l", []]])


# ---- in the sandbox ------------------------------------------------------------------------------

IN_PLACE = "def check(candidate):\n    xs = [3, 1, 2]\n    candidate(xs)\n    assert xs == [1, 2, 3]\n"


def test_a_function_that_sorts_in_place_passes_and_one_that_does_not_fails(pool):
    assert run_code(pool, "def f(xs):\n    xs.sort()\n", IN_PLACE).passed
    assert not run_code(pool, "def f(xs):\n    return sorted(xs)\n", IN_PLACE).passed


def test_a_test_that_the_argument_is_left_alone_catches_a_function_that_changes_it(pool):
    tests = (
        "def check(candidate):\n    xs = [3, 1, 2]\n    assert candidate(xs) == [1, 2, 3]\n    assert xs == [3, 1, 2]\n"
    )
    assert run_code(pool, "def f(xs):\n    return sorted(xs)\n", tests).passed
    changed = run_code(pool, "def f(xs):\n    xs.sort()\n    return xs\n", tests)
    assert [c.status for c in changed.cases] == ["pass", "fail"]


def test_the_result_is_the_argument_itself_where_the_function_returns_it(pool):
    fresh = "def check(candidate):\n    xs = [1, 2]\n    assert candidate(xs) is not xs\n"
    assert run_code(pool, "def f(xs):\n    return xs[::-1]\n", fresh).passed
    assert not run_code(pool, "def f(xs):\n    xs.reverse()\n    return xs\n", fresh).passed
    chained = "def check(candidate):\n    d = {}\n    assert candidate(d, k='a') is d and d == {'a': 1}\n"
    assert run_code(pool, "def f(d, k):\n    d[k] = 1\n    return d\n", chained).passed


def test_changes_reach_nested_rows_keyword_arguments_and_the_prompts_objects(pool):
    prompt = "class Account:\n    def __init__(self, balance):\n        self.balance = balance\n\n\n"
    code = "def f(accounts, *, rate):\n    for a in accounts:\n        a.balance *= rate\n"
    tests = (
        "def check(candidate):\n    mine = Account(100)\n    candidate([mine, Account(5)], rate=2)\n"
        "    assert mine.balance == 200\n"
    )
    assert run_code(pool, code, tests, prompt=prompt).passed
    rotate = "def f(m):\n    m[:] = [list(r) for r in zip(*m[::-1])]\n"
    tests = "def check(candidate):\n    m = [[1, 2], [3, 4]]\n    candidate(m)\n    assert m == [[3, 1], [4, 2]]\n"
    assert run_code(pool, rotate, tests).passed


KEYED = (
    "def check(candidate):\n    assert candidate(['bb', 'a', 'ccc'], len) == ['a', 'bb', 'ccc']\n"
    "    assert candidate([3, 1, 2], key=lambda x: -x) == [3, 2, 1]\n    assert candidate(['B', 'a'], str.lower) == ['a', 'B']\n"
)


def test_the_tests_functions_reach_the_candidate(pool):
    assert run_code(pool, "def f(xs, key):\n    return sorted(xs, key=key)\n", KEYED).passed
    assert not run_code(pool, "def f(xs, key):\n    return sorted(xs)\n", KEYED).passed


def test_the_candidates_functions_reach_the_tests(pool):
    adder = "def check(candidate):\n    add = candidate(10)\n    assert [add(i) for i in range(3)] == [10, 11, 12]\n"
    assert run_code(pool, "def f(n):\n    return lambda x: x + n\n", adder).passed
    assert not run_code(pool, "def f(n):\n    return lambda x: x * n\n", adder).passed
    compose = "def check(candidate):\n    assert candidate(lambda x: x + 1, lambda x: x * 2)(3) == 7\n"
    assert run_code(pool, "def f(g, h):\n    return lambda x: g(h(x))\n", compose).passed
    same = "def check(candidate):\n    g = lambda: 1\n    assert candidate(g) is g\n    assert candidate(candidate) is candidate\n"
    assert run_code(pool, "def f(fn):\n    return fn\n", same).passed


def test_exceptions_cross_both_ways_through_functions(pool):
    code = "def f(parse, items):\n    out = []\n    for x in items:\n        try:\n            out.append(parse(x))\n        except ValueError:\n            out.append(None)\n    return out\n"
    tests = "def check(candidate):\n    assert candidate(int, ['1', 'x', '3']) == [1, None, 3]\n"
    assert run_code(pool, code, tests).passed
    raising = "def f(n):\n    def g():\n        raise KeyError(n)\n    return g\n"
    tests = "def check(candidate):\n    try:\n        candidate(1)()\n    except KeyError:\n        pass\n    else:\n        assert False\n"
    assert run_code(pool, raising, tests).passed


def test_calls_nest_and_a_callback_changes_its_argument_as_in_one_process(pool):
    # The tests' callback calls the candidate again while the candidate waits on it, and appends
    # to a list the candidate made: both as Python would run them in one process.
    code = "def f(n, visit):\n    if n == 0:\n        return []\n    seen = []\n    visit(seen, n)\n    return seen\n"
    tests = (
        "def check(candidate):\n    def visit(acc, n):\n        acc.append(n)\n        acc.extend(candidate(n - 1, visit))\n"
        "    assert candidate(3, visit) == [3, 2, 1]\n"
    )
    assert run_code(pool, code, tests).passed


def test_a_candidate_cannot_use_the_channel_to_forge_a_pass(pool):
    # It calls functions it was never given, sends handles that name nothing, and writes an
    # answer of its own that claims a change to an argument there is none of.
    forged = (
        "import json, os, struct\n"
        "def frame(obj):\n    data = json.dumps(obj).encode()\n    return struct.pack('<I', len(data)) + data\n"
        "def f(xs):\n"
        "    for fd in range(3, 64):\n"
        "        try:\n"
        "            os.write(fd, frame(['call', 7, ['l', []], ['d', []]]))\n"
        "            os.write(fd, frame(['ok', ['FN', 'judge', 99], [[5, ['l', []]]], None, 0]))\n"
        "        except OSError:\n"
        "            pass\n"
        "    return [1, 2, 3]\n"
    )
    tests = "def check(candidate):\n    xs = [3, 1, 2]\n    assert candidate(xs) == [1, 2, 3] and xs == [1, 2, 3]\n"
    result = run_code(pool, forged, tests)
    assert not result.passed and all(c.status != "pass" for c in result.cases)
    # A function the tests never handed over cannot be reached by guessing its handle: the judge
    # holds handles only for what it sent. The candidate finds its end of the channel and asks.
    guessing = (
        "import gc\n"
        "def f(key):\n"
        "    peer = next(o for o in gc.get_objects() if type(o).__name__ == 'Peer')\n"
        "    got = []\n"
        "    for handle in (1, 2, 5, -1):\n"
        "        try:\n"
        "            got.append(peer.call(handle, (), {}))\n"
        "        except Exception as exc:\n"
        "            got.append(type(exc).__name__)\n"
        "    return got\n"
    )
    tests = (
        "def check(candidate):\n    def secret():\n        raise SystemExit('reached')\n"
        "    assert candidate(lambda x: x) == ['LookupError'] * 4\n"
    )
    assert run_code(pool, guessing, tests).passed


@pytest.mark.parametrize("rounds", [2000])
def test_many_calls_back_within_one_call(pool, rounds):
    code = f"def f(step):\n    x = 0\n    for _ in range({rounds}):\n        x = step(x)\n    return x\n"
    tests = f"def check(candidate):\n    assert candidate(lambda x: x + 1) == {rounds}\n"
    result = run_code(pool, code, tests, timeout_s=10)
    assert result.passed, result.cases


# ---- red-team round 11 and the second held-out probe -----------------------------------------


def test_a_function_the_tests_hand_over_is_no_way_into_the_judge(pool):
    # getattr, handed over, once gave the candidate str, object.__subclasses__ and at last eval in
    # the judge: an answer may hand back no function the tests did not hand over. (A builtin type
    # crosses by its name: the candidate's own str, no way into the judge's.)
    climb = "def f(getter):\n    return getter(getter('', '__class__'), '__subclasses__')\n"
    refused = run_code(pool, climb, "def check(candidate):\n    assert candidate(getattr) is str\n")
    assert refused.status == "error" and "hands out only functions its tests handed over" in refused.cases[0].message
    # An iterator is only pulled: a tests' generator function's generator still crosses.
    gen = "def check(candidate):\n    def up(n):\n        yield from range(n)\n    assert candidate(up) == [0, 1, 2]\n"
    assert run_code(pool, "def f(g):\n    return list(g(3))\n", gen).passed


def test_a_flood_of_functions_is_refused_not_held(pool):
    flood = "def f():\n    return [lambda: i for i in range(5000)]\n"
    result = run_code(pool, flood, "def check(candidate):\n    assert len(candidate()) == 5000\n")
    assert result.status == "error" and "more than 4096 functions" in result.cases[0].message


def test_changes_before_an_exception_count_and_systemexit_is_not_an_exception(pool):
    tests = "def check(candidate):\n    xs = [1, 2, 3]\n    try:\n        candidate(xs)\n    except ValueError:\n        pass\n    assert xs == [1, 2, 3]\n"
    assert not run_code(pool, "def f(xs):\n    xs.clear()\n    raise ValueError\n", tests).passed
    assert run_code(pool, "def f(xs):\n    raise ValueError\n", tests).passed
    swallowing = "def check(candidate):\n    try:\n        candidate()\n    except Exception:\n        pass\n"
    assert not run_code(pool, "import sys\ndef f():\n    sys.exit(0)\n", swallowing).passed


def test_a_tests_exception_comes_back_through_the_candidate_as_itself(pool):
    tests = (
        "class Boom(Exception):\n    pass\n\n\ndef check(candidate):\n    def explode():\n        raise Boom('x')\n"
        "    try:\n        candidate(explode)\n    except Boom as exc:\n        assert exc.args == ('x',)\n    else:\n        assert False\n"
    )
    assert run_code(pool, "def f(cb):\n    return cb()\n", tests).passed
    prompt = "class ParseError(ValueError):\n    def __init__(self, message, position):\n        super().__init__(message)\n        self.position = position\n\n\n"
    located = (
        "def check(candidate):\n    try:\n        candidate('ab!')\n    except ParseError as exc:\n"
        "        assert exc.position == 2 and exc.args == ('bad',)\n    else:\n        assert False\n"
    )
    raising = "def f(text):\n    raise ParseError('bad', text.index('!'))\n"
    assert run_code(pool, raising, located, prompt=prompt).passed


def test_a_module_list_the_candidate_changed_does_not_reach_the_next_run():
    # The judge lives from run to run: a list of a module's that the tests handed over and the
    # candidate cleared would stay cleared for every later problem on that worker.
    tests = "import keyword\n\n\ndef check(candidate):\n    candidate(keyword.kwlist)\n"
    counted = "import keyword\n\n\ndef check(candidate):\n    assert candidate(len(keyword.kwlist)) > 30\n"
    with SandboxPool(workers=1) as alone:
        assert not run_code(alone, "def f(words):\n    words.clear()\n", tests + "    assert False\n").passed
        assert run_code(alone, "def f(n):\n    return n\n", counted).passed


GENERATORS = (
    "import itertools\n\n\ndef check(candidate):\n"
    "    assert list(itertools.islice(candidate(), 5)) == [0, 1, 1, 2, 3]\n"  # an endless one, lazily
    "    assert sum(itertools.islice(candidate(), 1000)) > 0\n"  # past the one-by-one pulls
)


def test_generators_cross_lazily_both_ways(pool):
    fib = "def f():\n    a, b = 0, 1\n    while True:\n        yield a\n        a, b = b, a + b\n"
    assert run_code(pool, fib, GENERATORS).passed
    taking = "def check(candidate):\n    assert candidate(x * x for x in range(4)) == 14\n    assert candidate(range(5)) == 10\n    assert candidate(iter([1, 2])) == 3\n"
    assert run_code(pool, "def f(items):\n    return sum(items)\n", taking).passed
    averager = (
        "def f():\n    total, count, average = 0, 0, None\n    while True:\n        value = yield average\n"
        "        total, count = total + value, count + 1\n        average = total / count\n"
    )
    driven = "def check(candidate):\n    g = candidate()\n    next(g)\n    assert g.send(10) == 10.0\n    assert g.send(20) == 15.0\n"
    assert run_code(pool, averager, driven).passed


def test_a_wrapper_keeps_its_name_docstring_and_live_attributes(pool):
    counting = (
        "import functools\n\n\ndef f(fn):\n    @functools.wraps(fn)\n    def wrapper(*args, **kwargs):\n"
        "        wrapper.calls += 1\n        return fn(*args, **kwargs)\n\n    wrapper.calls = 0\n    return wrapper\n"
    )
    tests = (
        "def check(candidate):\n    def greet(name):\n        'Say hello.'\n        return 'hi ' + name\n\n"
        "    g = candidate(greet)\n    assert g.__name__ == 'greet' and g.__doc__ == 'Say hello.'\n"
        "    assert g.calls == 0\n    assert g('bo') == 'hi bo'\n    assert g.calls == 1\n"
    )
    assert run_code(pool, counting, tests).passed


def test_dataclasses_named_tuples_bytearrays_and_printed_text(pool):
    prompt = (
        "from dataclasses import dataclass\nfrom typing import NamedTuple\n\n\n@dataclass\nclass Point:\n    x: float\n    y: float\n\n\n"
        "class Span(NamedTuple):\n    start: int\n    end: int\n\n\n"
    )
    # The judge compiled the prompt under its own `from __future__ import annotations`, and every
    # dataclass failed; a named tuple crossed as a plain tuple without its field names.
    tests = "def check(candidate):\n    assert candidate(Span(1, 4)) == Point(1, 4)\n"
    assert run_code(pool, "def f(span):\n    return Point(span.start, span.end)\n", tests, prompt=prompt).passed
    flipped = (
        "def check(candidate):\n    data = bytearray(b'ab')\n    candidate(data)\n    assert data == bytearray(b'ba')\n"
    )
    assert run_code(pool, "def f(data):\n    data.reverse()\n", flipped).passed
    captured = (
        "import contextlib\nimport io\n\n\ndef check(candidate):\n    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n        candidate(2)\n    assert buffer.getvalue() == '*\\n**\\n'\n"
    )
    assert run_code(pool, "def f(n):\n    for i in range(1, n + 1):\n        print('*' * i)\n", captured).passed
    assert not run_code(pool, "def f(n):\n    print('*')\n", captured).passed
