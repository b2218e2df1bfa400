"""Calls between the judge and the candidate (sandbox.calls, sandbox.arguments): arguments changed
in place, arguments returned as themselves, and functions in both directions, on the real sandbox
where a run is involved."""

import collections
import enum

import pytest
from sbx_helpers import run_code

from sandbox.arguments import write_back

# ---- write_back: the caller's objects take the callee's content, in place ----------------------


def test_write_back_keeps_the_callers_lists_and_their_rows():
    matrix = [[1, 2], [3, 4], [5]]
    first = matrix[0]
    assert write_back(matrix, [[2, 1], [4, 3]]) is matrix
    assert matrix == [[2, 1], [4, 3]] and matrix[0] is first  # the tests' row changed with it
    grown = [1]
    write_back(grown, [1, 2, 3])
    assert grown == [1, 2, 3]


def test_write_back_dicts_in_the_callees_order_and_keeps_their_kind():
    counts = collections.defaultdict(list, {"b": [1], "a": [2]})
    inner = counts["a"]
    write_back(counts, {"a": [2, 3], "c": []})
    assert list(counts.items()) == [("a", [2, 3]), ("c", [])] and counts["a"] is inner
    assert counts["new"] == [] and isinstance(counts, collections.defaultdict)  # its factory kept


def test_write_back_sets_deques_tuples_and_instances():
    seen = {1, 2}
    write_back(seen, {3})
    assert seen == {3}
    window = collections.deque([1, 2], maxlen=2)
    write_back(window, collections.deque([7, 8, 9]))
    assert list(window) == [8, 9] and window.maxlen == 2
    row = [1]
    pair = (row, 5)
    assert write_back(pair, ([2], 5)) is pair and row == [2]  # a tuple holds the same list, changed
    assert write_back((1, 2), (1, 3)) == (1, 3)  # nothing in it changes in place: the new value

    class Node:
        pass

    node, new = Node(), Node()
    node.value, new.value, new.next = 1, 2, None
    assert write_back(node, new) is node and vars(node) == {"value": 2, "next": None}


def test_write_back_of_values_that_cannot_change_gives_the_new_value():
    class Colour(enum.Enum):
        RED = 1

    assert write_back(Colour.RED, Colour.RED) is Colour.RED
    assert write_back(1, True) is True  # equal, but not the same value: True is what the callee holds
    assert write_back([1], (1,)) == (1,)  # a list cannot become a tuple in place


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
