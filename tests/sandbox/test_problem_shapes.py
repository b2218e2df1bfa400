"""Shapes of problems that HumanEval rarely has and a held-out set may: each reference-style
program must pass on the real sandbox as it passes in one Python process, and a wrong one fail."""

import sys

import pytest
from sbx_helpers import program, run_code

from sandbox import SandboxPool, seccomp_filter


def test_the_function_under_test_is_documented_and_signed_as_the_prompt_says(pool):
    prompt = 'def flatten(d: dict, sep: str = ".") -> dict:\n    """Flatten a nested dict into dotted_key form."""\n'
    tests = (
        "import inspect\n\n\n"
        "def check(candidate):\n"
        "    assert 'dotted_key' in candidate.__doc__ and candidate.__name__ == 'flatten'\n"
        "    assert inspect.signature(candidate).parameters['sep'].default == '.'\n"
        "    assert candidate.__defaults__ == ('.',) and candidate.__annotations__['return'] is dict\n"
    )
    result = pool.submit(program("    return d\n", tests, "flatten", prompt)).result(timeout=60)
    assert result.status == "pass", result.stderr_tail


def test_asyncio_runs_in_the_candidate_and_in_the_tests(pool):
    code = """
        import asyncio

        def total(xs):
            async def one(x):
                await asyncio.sleep(0)
                return x

            async def main():
                return sum(await asyncio.gather(*(one(x) for x in xs)))

            return asyncio.run(main())
        """
    tests = (
        "import asyncio\n"
        "def check(candidate):\n"
        "    assert candidate([1, 2, 3]) == 6\n"
        "    async def main():\n"
        "        await asyncio.sleep(0)\n"
        "        return candidate([4])\n"
        "    assert asyncio.run(main()) == 4\n"
    )
    result = run_code(pool, code, tests, entry_point="total")
    assert result.status == "pass", result.stderr_tail


@pytest.mark.skipif(not seccomp_filter.available(), reason="no libseccomp")
def test_a_socket_pair_is_unix_only(pool):
    code = """
        import socket

        def f():
            a, b = socket.socketpair()
            a.sendall(b"x")
            got = b.recv(1)
            try:
                socket.socketpair(socket.AF_INET)
            except PermissionError:
                return got.decode() + " refused"
            return got.decode() + " let through"
        """
    result = run_code(pool, code, "def check(candidate):\n    assert candidate() == 'x refused'\n")
    assert result.status == "pass", result.stderr_tail


def test_a_linked_list_of_a_thousand_nodes_crosses_both_ways(pool):
    prompt = (
        "class ListNode:\n"
        "    def __init__(self, val=0, next=None):\n"
        "        self.val, self.next = val, next\n\n\n"
        "def reverse(head):\n"
    )
    code = "    prev = None\n    while head:\n        head.next, prev, head = prev, head, head.next\n    return prev\n"
    tests = (
        "def check(candidate):\n"
        "    head = None\n"
        "    for value in range(1000):\n"
        "        head = ListNode(value, head)\n"
        "    node, seen = candidate(head), []\n"
        "    while node:\n"
        "        seen.append(node.val)\n"
        "        node = node.next\n"
        "    assert seen == list(range(1000))\n"
        "    assert candidate(None) is None\n"
    )
    result = pool.submit(program(code, tests, "reverse", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result)


def test_a_value_nested_2000_deep_crosses_and_one_past_the_limit_is_refused_in_words(pool):
    deep = (
        "def check(candidate):\n"
        "    nested = []\n"
        "    for _ in range(2000):\n"
        "        nested = [nested]\n"
        "    back, depth = candidate(nested), 0\n"
        "    while back:\n"
        "        back, depth = back[0], depth + 1\n"
        "    assert depth == 2000\n"
    )
    assert run_code(pool, "def f(x):\n    return x\n", deep).passed
    code = """
        def f():
            value = []
            for _ in range(100_000):
                value = [value]
            return value
        """
    result = run_code(pool, code, "def check(candidate):\n    candidate()\n")
    assert result.status == "error" and "nested too deeply" in result.human_eval_result, result.human_eval_result
    assert run_code(pool, "def f():\n    return 1\n", "def check(candidate):\n    assert candidate() == 1\n").passed


def test_types_cross_as_themselves_both_ways(pool):
    code = """
        def f(values, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            return [v for v in values if isinstance(v, kinds)], kind
        """
    tests = (
        "def check(candidate):\n"
        "    data = [1, 'a', 2.5, None]\n"
        "    assert candidate(data, str) == (['a'], str)\n"
        "    assert candidate(data, (int, float))[0] == [1, 2.5]\n"
        "    assert candidate(data, type(None)) == ([None], type(None))\n"
        "    assert candidate(data, ValueError)[1] is ValueError\n"
    )
    assert run_code(pool, code, tests).passed
    # The program's own class by its name: the tests' Shape is the prompt's, as the candidate's is.
    prompt = "class Shape:\n    def __init__(self, sides):\n        self.sides = sides\n\n\ndef make(kind, n):\n"
    code = "    return kind(n), Shape\n"
    tests = (
        "def check(candidate):\n"
        "    shape, kind = candidate(Shape, 3)\n"
        "    assert kind is Shape and isinstance(shape, Shape) and shape.sides == 3\n"
    )
    result = pool.submit(program(code, tests, "make", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result)


def test_an_exceptions_cause_and_notes_cross_with_it(pool):
    prompt = "class ConfigError(Exception):\n    pass\n\n\ndef parse(text):\n"
    code = (
        "    try:\n"
        "        return int(text)\n"
        "    except ValueError as exc:\n"
        "        error = ConfigError(f'bad number {text!r}')\n"
        "        error.add_note('numbers are decimal')\n"
        "        raise error from exc\n"
    )
    tests = (
        "def check(candidate):\n"
        "    try:\n"
        "        candidate('x1')\n"
        "    except ConfigError as exc:\n"
        "        assert isinstance(exc.__cause__, ValueError) and 'x1' in str(exc.__cause__)\n"
        "        assert exc.__notes__ == ['numbers are decimal']\n"
        "    else:\n"
        "        assert False\n"
    )
    result = pool.submit(program(code, tests, "parse", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result)


def test_time_zones_cross_as_themselves_and_the_zone_database_is_readable(pool):
    prompt = "from datetime import datetime, timedelta, timezone\nfrom zoneinfo import ZoneInfo\n\n\ndef local(moment, zone):\n"
    code = "    return moment.astimezone(ZoneInfo(zone))\n"
    tests = (
        "def check(candidate):\n"
        "    start = datetime(2024, 3, 30, 12, tzinfo=timezone.utc)\n"
        "    first, second = candidate(start, 'Europe/Paris'), candidate(start + timedelta(days=1), 'Europe/Paris')\n"
        "    assert (first.hour, first.tzname(), second.hour, second.tzname()) == (13, 'CET', 14, 'CEST')\n"
        "    assert str(second.tzinfo) == 'Europe/Paris' and second - first == timedelta(days=1, hours=1)  # one zone: wall time\n"
        "    india = timezone(timedelta(hours=5, minutes=30), 'IST')\n"
        "    assert candidate(datetime(2024, 1, 1, tzinfo=india), 'UTC').tzname() == 'UTC'\n"
    )
    result = pool.submit(program(code, tests, "local", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result)
    echo = "def check(candidate):\n    india = timezone(timedelta(hours=5, minutes=30), 'IST')\n    assert candidate(india).tzname() == 'IST'\n    assert candidate(timezone.utc).tzinfo is timezone.utc\n"
    result = pool.submit(
        program(
            "    return datetime(2024, 1, 1, tzinfo=zone)\n",
            echo,
            "at",
            prompt.replace("local(moment, zone)", "at(zone)"),
        )
    ).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result)


def test_an_async_candidate_is_awaited_as_one_and_awaits_the_tests_coroutines(pool):
    prompt = "import asyncio\n\n\nasync def fetch_all(delays, fetch=None):\n"
    code = (
        "    async def one(delay):\n"
        "        await asyncio.sleep(delay)\n"
        "        return delay if fetch is None else await fetch(delay)\n"
        "    return sorted(await asyncio.gather(*(one(d) for d in delays)))\n"
    )
    tests = (
        "import asyncio, inspect\n\n\n"
        "def check(candidate):\n"
        "    assert inspect.iscoroutinefunction(candidate)\n"
        "    assert asyncio.run(candidate([0.02, 0.0, 0.01])) == [0.0, 0.01, 0.02]\n"
        "    async def double(x):\n"
        "        await asyncio.sleep(0)\n"
        "        return 2 * x\n"
        "    async def main():\n"
        "        return await asyncio.gather(candidate([0.01]), candidate([0.0, 0.02], double))\n"
        "    assert asyncio.run(main()) == [[0.01], [0.0, 0.04]]\n"
    )
    result = pool.submit(program(code, tests, "fetch_all", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)


def test_what_the_candidate_writes_to_standard_error_reaches_a_tests_redirect_stderr(pool):
    code = """
        import sys

        def f(x):
            print("checking", x)
            print(f"warning: {x} is negative", file=sys.stderr)
            return abs(x)
        """
    tests = (
        "import contextlib, io\n\n\n"
        "def check(candidate):\n"
        "    out, err = io.StringIO(), io.StringIO()\n"
        "    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        "        assert candidate(-2) == 2\n"
        "    assert out.getvalue() == 'checking -2\\n' and err.getvalue() == 'warning: -2 is negative\\n'\n"
        "    assert candidate(3) == 3  # not captured: shown in the run's own output only\n"
    )
    result = run_code(pool, code, tests)
    assert result.status == "pass", (result.status, result.human_eval_result)
    assert "warning: 3 is negative" in result.stderr_tail


def test_the_programs_own_dict_list_and_set_subclasses_cross_as_themselves(pool):
    prompt = (
        "class AttrDict(dict):\n"
        "    def __getattr__(self, name):\n"
        "        try:\n"
        "            return self[name]\n"
        "        except KeyError:\n"
        "            raise AttributeError(name) from None\n\n\n"
        "class Stack(list):\n"
        "    def push(self, x):\n"
        "        self.append(x)\n\n\n"
        "class Tags(set):\n"
        "    pass\n\n\n"
        "def build(data, stack):\n"
    )
    code = (
        "    stack.push(len(data))  # the tests' own stack, changed in place\n"
        "    tags = Tags(data)\n"
        "    tags.source = 'data'\n"
        "    return AttrDict({k: AttrDict(v) if isinstance(v, dict) else v for k, v in data.items()}), tags\n"
    )
    tests = (
        "def check(candidate):\n"
        "    stack = Stack([0])\n"
        "    found, tags = candidate({'a': {'b': 1}, 'c': 2}, stack)\n"
        "    assert isinstance(found, AttrDict) and found.a.b == 1 and found.c == 2\n"
        "    assert isinstance(tags, Tags) and tags == {'a', 'c'} and tags.source == 'data'\n"
        "    assert type(stack) is Stack and stack == [0, 2]\n"
    )
    result = pool.submit(program(code, tests, "build", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)


def test_slotted_instances_cross_and_an_exception_from_none_keeps_its_context_hidden(pool):
    prompt = (
        "from dataclasses import dataclass\n\n\n"
        "@dataclass(slots=True, frozen=True)\n"
        "class Vec:\n"
        "    x: float\n"
        "    y: float\n\n\n"
        "class ParseError(ValueError):\n"
        "    pass\n\n\n"
        "def parse(text):\n"
    )
    code = (
        "    try:\n"
        "        x, y = map(float, text.split(','))\n"
        "    except ValueError:\n"
        "        raise ParseError(text) from None\n"
        "    return Vec(x, y)\n"
    )
    tests = (
        "import warnings\n\n\n"
        "def check(candidate):\n"
        "    with warnings.catch_warnings(record=True) as caught:\n"
        "        warnings.simplefilter('always')\n"
        "        v = candidate('1,2')\n"
        "    assert v == Vec(1.0, 2.0) and not hasattr(v, '__dict__') and caught == []\n"
        "    try:\n"
        "        candidate('x')\n"
        "    except ParseError as exc:\n"
        "        assert exc.__suppress_context__ and exc.__cause__ is None\n"
        "    else:\n"
        "        assert False\n"
    )
    result = pool.submit(program(code, tests, "parse", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)
    assert "never awaited" not in result.stderr_tail


def test_the_tests_may_write_files_for_the_candidate_and_the_next_run_finds_none():
    code = "def f(path):\n    with open(path) as fh:\n        return fh.read().split()\n"
    temporary = (
        "import tempfile\n\n\n"
        "def check(candidate):\n"
        "    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as fh:\n"
        "        fh.write('a b')\n"
        "    assert candidate(fh.name) == ['a', 'b']\n"
    )
    relative = "def check(candidate):\n    with open('in.txt', 'w') as fh:\n        fh.write('c d')\n    assert candidate('in.txt') == ['c', 'd']\n"
    later = "import os\n\n\ndef check(candidate):\n    assert os.listdir('.') == [] and not os.path.exists('in.txt')\n"
    with SandboxPool(workers=1) as alone:
        for tests in (temporary, relative, later):
            result = run_code(alone, code, tests)
            assert result.status == "pass", (result.status, result.human_eval_result)


def test_a_generator_candidate_is_a_generator_function_giving_generators(pool):
    code = "def f(n):\n    for i in range(n):\n        yield i * i\n"
    tests = (
        "import inspect, types\n\n\n"
        "def check(candidate):\n"
        "    assert inspect.isgeneratorfunction(candidate)\n"
        "    squares = candidate(4)\n"
        "    assert isinstance(squares, types.GeneratorType) and inspect.isgenerator(squares)\n"
        "    assert next(squares) == 0 and list(squares) == [1, 4, 9]\n"
    )
    result = run_code(pool, code, tests)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)
    plain = "import inspect\n\n\ndef check(candidate):\n    assert not inspect.isgeneratorfunction(candidate)\n"
    assert run_code(pool, "def f(n):\n    return n\n", plain).passed


def test_a_file_in_memory_crosses_and_what_the_candidate_writes_reaches_the_tests(pool):
    code = """
        import csv

        def f(rows, out, raw):
            csv.writer(out).writerows(rows)
            raw.write(b"\\x00\\x01")
            return out.tell()
        """
    tests = (
        "import io\n\n\n"
        "def check(candidate):\n"
        "    out, raw = io.StringIO(), io.BytesIO(b'hi')\n"
        "    raw.seek(2)\n"
        "    assert candidate([['a', 1], ['b', 2]], out, raw) == 10\n"
        "    assert out.getvalue() == 'a,1\\r\\nb,2\\r\\n' and out.tell() == 10\n"
        "    assert raw.getvalue() == b'hi\\x00\\x01'\n"
    )
    result = run_code(pool, code, tests)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup and except* came with Python 3.11")
def test_exceptions_cross_as_values_so_an_exception_group_is_caught_as_in_one_process(pool):
    prompt = "class FieldError(ValueError):\n    pass\n\n\ndef validate(user):\n"
    code = (
        "    problems = [FieldError(f'bad {key}') for key in ('name', 'age') if key not in user]\n"
        "    if len(problems) > 1:\n"
        "        raise ExceptionGroup('invalid user', problems)\n"
        "    return problems[0] if problems else None\n"
    )
    tests = (
        "def check(candidate):\n"
        "    assert candidate({'name': 'Ann', 'age': 3}) is None\n"
        "    alone = candidate({'name': 'Ann'})\n"
        "    assert isinstance(alone, FieldError) and alone.args == ('bad age',)\n"
        "    try:\n"
        "        candidate({})\n"
        "    except* FieldError as group:\n"
        "        assert group.message == 'invalid user' and len(group.exceptions) == 2\n"
        "    else:\n"
        "        assert False\n"
    )
    result = pool.submit(program(code, tests, "validate", prompt)).result(timeout=60)
    assert result.status == "pass", (result.status, result.human_eval_result, result.cases)
