"""Values at the edges of what crosses between the tests and the candidate (held-out probe 5):
each right program passes on the real sandbox as in one Python process, and a wrong one fails."""

import pytest
from sbx_helpers import run_code


def test_math_nan_crosses_as_math_nan_so_a_list_holding_it_compares_as_in_one_process(pool):
    # [math.nan] == [math.nan] holds only by identity: the candidate's math.nan must be the tests'.
    tests = (
        "import math\n\n\ndef check(candidate):\n"
        "    assert candidate([1.0, None, 3.0]) == [1.0, math.nan, 3.0]\n"
        "    assert candidate([None])[0] is math.nan\n"
        "    assert candidate([math.nan]) == [math.nan]\n"
    )
    right = "import math\n\n\ndef f(xs):\n    return [math.nan if x is None else x for x in xs]\n"
    assert run_code(pool, right, tests).passed
    fresh = "def f(xs):\n    return [float('nan') if x is None else x for x in xs]\n"  # another NaN
    result = run_code(pool, fresh, tests)
    assert not result.passed and result.status == "fail"


def test_a_defaultdict_crosses_with_its_factory_whatever_it_is(pool):
    # Held-out probe 5: a nested defaultdict (a lambda as the factory) crossed as a plain dict, and
    # the tests' lookup of a missing key raised KeyError.
    code = """
        from collections import defaultdict

        def f(words):
            counts = defaultdict(lambda: defaultdict(int))
            for word in words:
                counts[word[0]][word] += 1
            return counts, defaultdict(tuple), defaultdict(None, a=1)
        """
    tests = (
        "from collections import defaultdict\n\n\ndef check(candidate):\n"
        "    counts, empty, plain = candidate(['ab', 'ac', 'ab'])\n"
        "    assert counts['a']['ab'] == 2 and counts['unknown']['words'] == 0\n"
        "    assert isinstance(counts['z'], defaultdict) and 'z' in counts\n"
        "    assert empty['x'] == () and plain.default_factory is None and plain == {'a': 1}\n"
        "    counts['b']['x'] += 3\n"
        "    assert counts['b'] == {'x': 3}\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    plain = "def f(words):\n    return {'a': {'ab': 2}}, {}, {'a': 1}\n"
    assert not run_code(pool, plain, tests).passed


def test_a_defaultdict_the_tests_pass_keeps_its_factory_in_the_candidate(pool):
    tests = (
        "from collections import defaultdict\n\n\ndef check(candidate):\n"
        "    scores = defaultdict(lambda: [0])\n"
        "    assert candidate(scores, 'ann') == [0, 1] and scores['ann'] == [0, 1]\n"
    )
    code = "def f(scores, name):\n    scores[name].append(1)\n    return scores[name]\n"
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_groupby_returned_gives_every_group_whole_past_the_first_pulls(pool):
    # Held-out probe 5: past 64 groups the items were pulled in batches, and making the next
    # (key, group) used up the groups before the tests took them: empty groups, a wrong verdict.
    code = "import itertools\n\n\ndef f(s):\n    return itertools.groupby(s)\n"
    tests = (
        "import itertools\n\n\ndef check(candidate):\n    s = 'aabbbc' * 40\n"
        "    expected = [(k, len(list(g))) for k, g in itertools.groupby(s)]\n"
        "    assert [(k, len(list(g))) for k, g in candidate(s)] == expected\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_an_exception_raised_while_another_is_handled_keeps_it_as_its_context(pool):
    # Held-out probe 5: the cause and `from None` crossed, the implicit context did not.
    code = """
        def f(text):
            try:
                return int(text)
            except ValueError:
                raise KeyError(text)
        """
    tests = (
        "def check(candidate):\n    try:\n        candidate('x')\n    except KeyError as e:\n"
        "        assert isinstance(e.__context__, ValueError) and 'invalid literal' in str(e.__context__)\n"
        "        assert e.__cause__ is None and not e.__suppress_context__\n"
        "    else:\n        assert False, 'no KeyError'\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    unlinked = "def f(text):\n    raise KeyError(text)\n"
    assert not run_code(pool, unlinked, tests).passed


def test_a_slice_and_a_memoryview_cross_as_values(pool):
    # Held-out probe 5: both were refused as types that cannot leave the sandbox.
    code = """
        def f(s):
            if isinstance(s, memoryview):
                return (s[1] if s else 0) + s.nbytes, s[1:]
            start = next((i for i, ch in enumerate(s) if ch == 'b'), 0)
            return slice(start, len(s))
        """
    tests = (
        "def check(candidate):\n    assert candidate('aabb') == slice(2, 4) and 'aabb'[candidate('aabb')] == 'bb'\n"
        "    assert candidate(memoryview(b''))[1].tobytes() == b''  # empty: no shape to cast\n"
        "    total, rest = candidate(memoryview(b'abc'))\n"
        "    assert total == 98 + 3 and rest.tobytes() == b'bc' and rest.readonly\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_throw_reaches_the_generator_where_it_stands_on_either_side(pool):
    # Held-out probe 5: the stand-in had no throw(), so the tests' exception never reached the
    # candidate's `except`.
    prompt = "class ResetTotal(Exception):\n    pass\n\n\n"
    code = """
        def f():
            total = 0
            while True:
                try:
                    total += yield total
                except ResetTotal:
                    total = 0
        """
    tests = (
        "def check(candidate):\n    g = candidate()\n    assert next(g) == 0 and g.send(5) == 5 and g.send(2) == 7\n"
        "    assert g.throw(ResetTotal) == 0 and g.send(2) == 2\n"
        "    try:\n        g.throw(KeyError('k'))\n    except KeyError as e:\n        assert e.args == ('k',)\n"
        "    else:\n        assert False, 'no KeyError'\n"
        "    g = candidate()\n    next(g)\n"
        "    try:\n        g.throw(ValueError, 'bad')\n    except ValueError as e:\n        assert e.args == ('bad',)\n"
        "    else:\n        assert False, 'no ValueError'\n"
    )
    result = run_code(pool, code, tests, prompt=prompt)
    assert result.passed, (result.human_eval_result, result.cases)
    # The candidate throws into the tests' generator the same way.
    back = "def f(gen):\n    next(gen)\n    return gen.throw(ValueError('stop'))\n"
    tests = (
        "def check(candidate):\n    def gen():\n        try:\n            yield 1\n        except ValueError as e:\n"
        "            yield f'caught {e}'\n\n    assert candidate(gen()) == 'caught stop'\n"
    )
    result = run_code(pool, back, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_memory_error_thrown_into_the_tests_generator_is_the_candidates_not_the_judges(pool):
    # Red-team round 17: throw(MemoryError) made the exception in the judge, where it read as the
    # judge's own memory limit: a candidate chose its verdict without using memory.
    tests = "def check(candidate):\n    def gen():\n        yield 1\n\n    assert candidate(gen()) == 1\n"
    thrower = "def f(it):\n    next(it)\n    it.throw(MemoryError)\n"
    result = run_code(pool, thrower, tests)
    assert not result.passed and result.status == "error", result.status
    from sandbox.remote_objects import Source

    def gen():
        yield 1

    with pytest.raises(TypeError, match="an exception the other side made"):
        Source(gen())(1, throw=MemoryError)  # a class, as a hostile frame could send one


def test_a_defaultdict_whose_factory_is_an_instance_is_numbered_before_its_factory(pool):
    # Red-team round 17's remark: the factory was decoded before the dict was numbered, so a factory
    # that is an instance of the prompt's class shifted the references after it.
    prompt = "class Zero:\n    def __call__(self):\n        return 0\n\n\n"
    code = (
        "from collections import defaultdict\n\n\ndef f():\n    made = Zero()\n"
        "    counts = defaultdict(made)\n    counts['a'] += 2\n    return counts, made, counts\n"
    )
    tests = (
        "def check(candidate):\n    counts, made, again = candidate()\n"
        "    assert again is counts and counts.default_factory is made and isinstance(made, Zero)\n"
        "    assert counts['b'] == 0 and counts['a'] == 2\n"
    )
    result = run_code(pool, code, tests, prompt=prompt)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_context_that_cannot_cross_leaves_the_cause_and_a_cause_that_is_the_context_is_one(pool):
    # The review: an unencodable context made the cause stay behind too; and after `raise X from e`
    # inside `except`, the context and the cause arrived as two exceptions.
    code = """
        import threading

        def f(kind):
            try:
                if kind == "lock":
                    raise KeyError(threading.Lock())
                raise ValueError("inner")
            except Exception as inner:
                raise RuntimeError("outer") from (ValueError("cause") if kind == "lock" else inner)
        """
    tests = (
        "def check(candidate):\n    try:\n        candidate('lock')\n    except RuntimeError as e:\n"
        "        assert str(e.__cause__) == 'cause' and e.__context__ is None\n"
        "    try:\n        candidate('same')\n    except RuntimeError as e:\n"
        "        assert str(e.__cause__) == 'inner' and e.__context__ is e.__cause__\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_an_os_errors_file_name_crosses(pool):
    # Held-out probe 7: FileNotFoundError arrived with filename None (a member of the class, not an arg).
    code = "def f(path):\n    with open(path) as file:\n        return file.read()\n"
    tests = (
        "def check(candidate):\n    try:\n        candidate('missing.txt')\n    except FileNotFoundError as e:\n"
        "        assert e.filename == 'missing.txt' and e.errno == 2\n    else:\n        assert False, 'no error'\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_cached_candidates_wrapped_function_is_reached(pool):
    # Held-out probe 7: candidate.__wrapped__ raised AttributeError for a functools.cache candidate.
    prompt = "import functools\n\n\n"
    code = "import functools\n\n\n@functools.cache\ndef f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\n"
    tests = (
        "import inspect\n\n\ndef check(candidate):\n    assert candidate(30) == 832040\n"
        "    assert candidate.__wrapped__(10) == 55 and inspect.unwrap(candidate) is not candidate\n"
        "    assert candidate.cache_info().hits > 0\n"
    )
    result = run_code(pool, code, tests, prompt=prompt)
    assert result.passed, (result.human_eval_result, result.cases)


def test_an_answer_of_200000_pairs_crosses(pool):
    # Held-out probe 7: each pair crosses as two lists, and 131,072 pairs reached the frame's cap.
    code = "def f(n):\n    return [(i, i * 0.5) for i in range(n)]\n"
    tests = "def check(candidate):\n    got = candidate(200000)\n    assert len(got) == 200000 and got[-1] == (199999, 99999.5)\n"
    result = run_code(pool, code, tests, timeout_s=10.0)
    assert result.passed, (result.human_eval_result, result.cases)


def test_ellipsis_and_not_implemented_cross_as_themselves(pool):
    # Held-out probe 8: a sentinel of Python's own, passed or returned, was refused as no plain data.
    tests = (
        "def check(candidate):\n"
        "    assert candidate(..., 1) is Ellipsis and candidate('a', 1) is NotImplemented\n"
        "    assert candidate([..., None], 2) == [..., None]\n"
    )
    code = "def f(x, y):\n    return NotImplemented if isinstance(x, str) else x\n"
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    wrong = "def f(x, y):\n    return None if isinstance(x, str) else x\n"
    assert not run_code(pool, wrong, tests).passed


def test_a_keyword_named_self_a_wrapper_on_a_class_and_the_tests_named_tuple(pool):
    # Held-out probe 11: candidate(self=1) collided with the stand-in's own `self`; a function the
    # candidate returned, put on a class, was not bound to the instance; a named tuple only the
    # tests define reached the candidate as a plain tuple (p.x raised AttributeError).
    tests = (
        "import collections\n\nP = collections.namedtuple('P', 'x y')\n\n\ndef check(candidate):\n"
        "    assert candidate(P(3, 4), self=1) == (3, ['self'])\n"
        "    class K(dict):  # its instance crosses as its content\n        pass\n"
        "    K.f = candidate(lambda me, v: v + 1, wrap=True)\n"
        "    assert K().f(1) == 2\n"
        "    K.g = candidate(None, builtin=True)  # a builtin on a class is not bound, as in one process\n"
        "    assert K().g(-3) == 3\n"
        "    back = candidate(P(5, 6), swap=True)\n"
        "    assert back == P(6, 5) and back.x == 6 and type(back).__name__ == 'P'\n"
    )
    code = """
        def f(p, wrap=False, swap=False, builtin=False, **named):
            if builtin:
                return abs
            if wrap:
                return lambda *args: p(*args)
            if swap:
                return p._replace(x=p.y, y=p.x)
            return p.x, list(named)
        """
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    wrong = code.replace("p.x, list(named)", "p[1], list(named)")
    assert not run_code(pool, wrong, tests).passed
