"""Shapes of tests that a held-out set may have and HumanEval does not: each must judge a right
candidate and a wrong one on the real sandbox as one Python process would."""

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool
from sandbox.cases import plan


def test_an_assert_inside_a_try_or_a_with_is_left_for_the_tests_to_catch(pool):
    """Held-out probe 5: rewritten into a reported case, the assert swallowed the candidate's
    ValueError the tests expected, and the AssertionError after which they accept another answer."""
    tests = (
        "import contextlib\n\n"
        "def check(candidate):\n"
        "    try:\n"
        "        assert candidate(-4) == 2.0, 'a negative input must be refused'\n"
        "    except ValueError:\n"
        "        pass\n"
        "    try:\n"
        "        assert candidate(4) == 2\n"
        "    except AssertionError:\n"
        "        assert candidate(4) == 2.0  # either answer will do\n"
        "    with contextlib.suppress(ZeroDivisionError):\n"
        "        assert candidate(0) == 1 / 0\n"
        "    assert candidate(9) == 3\n"
    )
    assert [c.name for c in plan(tests).cases] == ["assert candidate(9) == 3"]
    right = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x ** 0.5\n"
    result = run_code(pool, right, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    halves = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x / 2\n"
    for wrong in (halves, "def f(x):\n    return x ** 0.5 if x >= 0 else None\n"):
        result = run_code(pool, wrong, tests)
        assert not result.passed and result.status == "fail", result.human_eval_result


def test_an_assert_that_reads_its_scope_sees_the_tests_names(pool):
    """Held-out probe 5: in a lambda, eval("candidate(2, 3)") could not see check()'s candidate."""
    tests = (
        "def check(candidate):\n"
        "    for call, expected in [('candidate(2, 3)', 5), ('candidate(-1, 1)', 0)]:\n"
        "        assert eval(call) == expected, call\n"
        "    assert 'candidate' in locals()\n"
        "    assert candidate(1, 1) == 2\n"
    )
    assert [c.name for c in plan(tests).cases] == ["assert candidate(1, 1) == 2"]
    assert run_code(pool, "def f(a, b):\n    return a + b\n", tests).passed
    wrong = run_code(pool, "def f(a, b):\n    return a * b + 1\n", tests)
    assert not wrong.passed and wrong.status == "fail"


def test_a_recursion_limit_the_tests_raise_is_the_candidates_too(pool):
    """Held-out probe 5: the tests raised the limit for a recursion 5,000 deep, which the candidate,
    a process of its own, never saw."""
    tests = (
        "import sys\n\n\ndef check(candidate):\n    assert candidate(10) == 55\n"
        "    sys.setrecursionlimit(20000)\n    assert candidate(5000) == 5000 * 5001 // 2\n"
    )
    deep = "def f(n):\n    return n + f(n - 1) if n else 0\n"
    result = run_code(pool, deep, tests)
    assert result.passed, result.human_eval_result
    # Without the tests' word, the candidate keeps Python's limit, as in one process.
    plain = run_code(pool, deep, "def check(candidate):\n    assert candidate(5000) == 5000 * 5001 // 2\n")
    assert not plain.passed and "RecursionError" in plain.human_eval_result + str(plain.cases)


def test_an_async_check_is_refused_as_checking_nothing(pool):
    # Red-team round 17: called and never awaited, its body never ran, and every candidate passed.
    tests = "async def check(candidate):\n    assert await candidate(1) == 2\n"
    result = run_code(pool, "async def f(x):\n    return x\n", tests)
    assert not result.passed and "async def check is not run" in result.human_eval_result


def test_a_decimal_precision_the_tests_set_is_the_candidates_too(pool):
    """Held-out probe 6: the tests worked in 50 digits, and the candidate, a process of its own,
    in 28."""
    tests = (
        "from decimal import Decimal, localcontext, ROUND_DOWN\n\n\ndef check(candidate):\n"
        "    with localcontext() as ctx:\n        ctx.prec = 50\n"
        "        assert candidate(1, 7) == Decimal(1) / Decimal(7)\n        assert len(str(candidate(1, 7))) == 52\n"
        "    assert len(str(candidate(1, 7))) == 30\n"
        "    with localcontext(rounding=ROUND_DOWN, prec=3):\n        assert candidate(2, 3) == Decimal('0.666')\n"
    )
    code = "from decimal import Decimal\n\n\ndef f(a, b):\n    return Decimal(a) / Decimal(b)\n"
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_candidates_threads_calling_the_tests_functions_take_turns(pool):
    """Held-out probe 6: threads calling the tests' functions read each other's answers, and hung."""
    code = (
        "from concurrent.futures import ThreadPoolExecutor\n\n\ndef f(tasks, workers):\n"
        "    with ThreadPoolExecutor(workers) as pool:\n        return list(pool.map(lambda t: t(), tasks))\n"
    )
    tests = "def check(candidate):\n    assert candidate([(lambda i=i: i * i) for i in range(40)], 4) == [i * i for i in range(40)]\n"
    for _ in range(3):
        result = run_code(pool, code, tests)
        assert result.passed, (result.status, result.human_eval_result)


def test_a_coroutine_of_the_tests_run_aside_may_call_the_candidate_while_its_chain_holds_the_channel(pool):
    """Red-team round 18: the tests' own loop runs, the candidate awaits the tests' coroutine, which
    runs on a thread aside and calls the candidate back: that thread waited for the channel its own
    chain of calls held."""
    tests = (
        "import asyncio\n\n\ndef check(candidate):\n    async def helper(g):\n        return g(3)\n\n"
        "    async def main():\n        return await candidate(helper)\n\n    assert asyncio.run(main()) == 4\n"
    )
    code = "async def f(h):\n    def g(x):\n        return x + 1\n\n    return await h(g)\n"
    result = run_code(pool, code, tests)
    assert result.passed, (result.status, result.human_eval_result)


def test_the_input_the_tests_give_as_text_is_what_the_candidate_reads(pool):
    """Held-out probe 8: a competition harness sets sys.stdin to the case's input before calling a
    candidate that calls input(), and the candidate, a process of its own, read its own empty input;
    probe 9: what the candidate read must move the tests' stream, which they may rewind or refill."""
    tests = (
        "import io, sys\n\n\ndef run(candidate, text):\n    old, sys.stdin = sys.stdin, io.StringIO(text)\n"
        "    try:\n        return candidate()\n    finally:\n        sys.stdin = old\n\n\n"
        "def check(candidate):\n    assert run(candidate, '3 4\\n') == 7\n"
        "    assert run(candidate, '3 4\\n') == 7\n"  # the same text again, a new stream: read again
        "    assert run(candidate, '10 -2\\n1 1\\n') == 8\n"
        "    sys.stdin = io.StringIO('1 2\\n5 5\\n')\n"
        "    assert candidate() == 3 and candidate() == 10\n"  # one stream, read on by each call
        "    assert sys.stdin.read() == ''\n"  # read to its end by the candidate, as in one process
        "    sys.stdin.seek(0)\n    assert candidate() == 3\n"  # the same stream from its start
        "    sys.stdin = io.StringIO('skip\\n7 7\\n')\n    sys.stdin.readline()\n    assert candidate() == 14\n"
        "    box = io.StringIO()\n    sys.stdin = box\n"  # one buffer written again for each case
        "    for case, total in (('2 2\\n', 4), ('3 3\\n', 6)):\n"
        "        box.seek(0)\n        box.truncate()\n        box.write(case)\n        box.seek(0)\n"
        "        assert candidate() == total\n"
    )
    code = "def f():\n    a, b = map(int, input().split())\n    return a + b\n"
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    whole = "import sys\n\n\ndef f():\n    return sum(map(int, sys.stdin.readline().split()))\n"
    assert run_code(pool, whole, tests).passed
    wrong = "def f():\n    a, b = map(int, input().split())\n    return a * b\n"
    assert not run_code(pool, wrong, tests).passed
    # Given back its own input, the candidate reads none, as the judge's own would.
    restored = (
        "import io, sys\n\n\ndef check(candidate):\n    sys.stdin = io.StringIO('3 4\\n')\n"
        "    assert candidate() == 7\n    sys.stdin = sys.__stdin__\n    candidate()\n"
    )
    result = run_code(pool, code, restored)
    assert not result.passed and "EOF when reading a line" in result.human_eval_result


def test_the_tests_random_generator_is_not_told_to_the_candidate(pool):
    """Red-team round 20: told the tests' generator, whose state holds the words already drawn, a
    candidate recovered the string the tests drew and encoded, and decoded it without solving."""
    tests = (
        "import random, string\n\n\ndef check(candidate):\n"
        "    for _ in range(20):\n"
        "        secret = ''.join(random.choice(string.ascii_lowercase) for _ in range(12))\n"
        "        assert candidate(secret[::-1] + 'x') == secret\n"
    )
    replay = "import random\n\n\ndef f(encoded):\n    return random.random()\n"
    told = "import random\n\n\ndef check(candidate):\n    random.seed(7)\n    first = random.random()\n    random.seed(7)\n    assert candidate('x') != first\n"
    assert run_code(pool, replay, told).passed  # its own generator, not the tests' as they seeded it
    right = "def f(encoded):\n    return encoded[:-1][::-1]\n"
    assert run_code(pool, right, tests).passed


def test_a_judges_random_generator_starts_each_run_afresh():
    # Red-team round 20: a run's tests drew from the judge's generator after its candidate set how
    # many (a list the tests shuffled), and a later run's tests drew where it had left them. One
    # worker, so that every run meets the same judge.
    with SandboxPool(workers=1) as single:
        seeding = "import random\n\n\ndef check(candidate):\n    random.seed(1)\n    candidate(0)\n"
        drawing = "import random\n\n\ndef check(candidate):\n    assert candidate(random.getrandbits(64)) is None\n"
        seen = set()
        for _ in range(4):
            assert run_code(single, "def f(x):\n    pass\n", seeding).passed
            draw = run_code(single, "def f(x):\n    print(x)\n", drawing)
            assert draw.passed, draw.human_eval_result
            seen.add(draw.stdout_tail)
        assert len(seen) == 4  # never the draw after seed(1)


def test_a_competition_programs_input_bytes_command_line_and_exit_work_as_alone(pool):
    """Held-out probe 9: input given as a text wrapper over bytes (read through sys.stdin.buffer),
    the command line the tests set, and exit(0) at the end of a program written for a judge."""
    tests = (
        "import io, sys\n\n\ndef check(candidate):\n"
        "    sys.stdin = io.TextIOWrapper(io.BytesIO(b'4\\n1 2 3 4\\n'), encoding='utf-8')\n"
        "    sys.argv = ['solve.py', '--double']\n"
        "    out = io.StringIO()\n    old, sys.stdout = sys.stdout, out\n"
        "    try:\n        candidate()\n    except SystemExit as stop:\n        assert stop.code == 0\n"
        "    finally:\n        sys.stdout = old\n"
        "    assert out.getvalue() == '20\\n', out.getvalue()\n"
    )
    code = (
        "import sys\n\n\ndef f():\n    data = sys.stdin.buffer.read().split()\n"
        "    total = sum(map(int, data[1:]))\n    print(total * 2 if '--double' in sys.argv else total)\n    exit(0)\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)
    assert not run_code(pool, code.replace("total * 2", "total * 3"), tests).passed
    # Where the tests read a line of the wrapper first, the rest is the candidate's (red-team round 21).
    header = tests.replace("    sys.argv =", "    assert sys.stdin.readline() == '4\\n'\n    sys.argv =")
    assert run_code(pool, code.replace("data[1:]", "data"), header).passed
    # The worker's own command line, which holds the sandbox's configuration, is no candidate's to read.
    peek = run_code(
        pool,
        "import sys\n\n\ndef f():\n    return sys.argv, sys.orig_argv[1:]\n",
        "import pathlib, sys\n\n\ndef check(candidate):\n    assert candidate() == ([''], [])\n"
        "    sys.argv = ['x', pathlib.Path('data.txt')]\n    assert candidate() == (['x', 'data.txt'], [])\n",
    )
    assert peek.passed, peek.human_eval_result


def test_input_or_a_command_line_too_large_to_give_is_refused_in_words_not_at_the_deadline(pool):
    # Red-team round 21 and a review: 3 million "é", 9 million line breaks or a command line of 3
    # million "é", each under a count of characters, were over the frame limit as JSON, and the run
    # waited for its deadline; and a refused input was not told again to the next call.
    for given in (
        "sys.stdin = io.StringIO('é' * 3_000_000)",
        "sys.stdin = io.StringIO('\\n' * 9_000_000)",
        "sys.argv = ['é' * 3_000_000]",
    ):
        tests = f"import io, sys\n\n\ndef check(candidate):\n    {given}\n    candidate()\n"
        result = run_code(pool, "def f():\n    return input()\n", tests, timeout_s=10)
        assert not result.passed and "more than a frame can carry" in result.human_eval_result, result.human_eval_result
        assert result.wall_ms < 5000
    again = (
        "import io, sys\n\n\ndef refused(candidate):\n    try:\n        candidate()\n"
        "    except Exception as error:\n        return 'more than a frame can carry' in str(error)\n    return False\n\n\n"
        "def check(candidate):\n    sys.stdin = io.StringIO('x' * 20_000_000)\n"
        "    assert refused(candidate) and refused(candidate)\n"  # again, not its own empty input
    )
    result = run_code(pool, "import sys\n\n\ndef f():\n    return sys.stdin.read(100)\n", again, timeout_s=10)
    assert result.passed, result.human_eval_result


def test_one_input_buffer_refilled_and_bytes_as_they_are_reach_the_candidate(pool):
    # A review: a buffer refilled for the next case where the candidate read nothing of the last
    # stood where it stood, and bytes were decoded and encoded again ("\r\n" became "\n").
    tests = (
        "import io, sys\n\n\ndef check(candidate):\n    box = io.StringIO('first')\n    sys.stdin = box\n"
        "    assert candidate(False) is None\n"  # reads nothing
        "    box.seek(0)\n    box.truncate()\n    box.write('second')\n    box.seek(0)\n"
        "    assert candidate(True) == 'second'\n"
        "    sys.stdin = io.TextIOWrapper(io.BytesIO(b'a\\r\\nb\\xff'), encoding='latin-1')\n"
        "    assert candidate(None) == b'a\\r\\nb\\xff'\n"
    )
    code = (
        "import sys\n\n\ndef f(read):\n    if read is None:\n        return sys.stdin.buffer.read()\n"
        "    return sys.stdin.read() if read else None\n"
    )
    result = run_code(pool, code, tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_judges_numpy_generator_starts_each_run_afresh():
    # A review: where the pool allows numpy, its global generator carried from run to run as
    # random's did (red-team round 20).
    pytest.importorskip("numpy")
    with SandboxPool(workers=1, packages=("numpy",)) as single:
        seeding = "import numpy\n\n\ndef check(candidate):\n    numpy.random.seed(1)\n    candidate(0)\n"
        drawing = "import numpy\n\n\ndef check(candidate):\n    assert candidate(int(numpy.random.randint(1 << 30))) is None\n"
        seen = set()
        for _ in range(3):
            assert run_code(single, "def f(x):\n    pass\n", seeding).passed
            draw = run_code(single, "def f(x):\n    print(x)\n", drawing)
            assert draw.passed, draw.human_eval_result
            seen.add(draw.stdout_tail)
        assert len(seen) == 3


def test_an_answer_too_large_to_carry_is_answered_in_words_and_the_calls_go_on(pool):
    # Red-team round 22: a candidate's answer over the frame limit left the run waiting for its
    # deadline, and a tests' answer too large for a candidate's call failed the tests' own call.
    huge = run_code(
        pool, "def f(x):\n    return 'a' * (17 << 20)\n", "def check(candidate):\n    candidate(1)\n", timeout_s=20
    )
    assert not huge.passed and "more than a frame can carry" in huge.human_eval_result and huge.wall_ms < 8000
    tests = (
        "def big(n):\n    return 'é' * n\n\n\ndef check(candidate):\n"
        "    assert candidate(big, 3_000_000) == 'refused'\n    assert candidate(big, 3) == 'ééé'\n"
    )
    code = (
        "def f(get, n):\n    try:\n        return get(n)\n    except ValueError as error:\n"
        "        return 'refused' if 'more than a frame can carry' in str(error) else str(error)\n"
    )
    result = run_code(pool, code, tests, timeout_s=20)
    assert result.passed, (result.human_eval_result, result.cases)


def test_input_in_a_text_wrapper_with_a_byte_order_mark_after_the_tests_read_a_line(pool):
    # Red-team round 22: past UTF-16's mark the bytes from the wrapper's place could not be decoded.
    tests = (
        "import io, sys\n\n\ndef check(candidate):\n"
        "    sys.stdin = io.TextIOWrapper(io.BytesIO('head\\n3 4\\n'.encode('utf-16')), encoding='utf-16')\n"
        "    assert sys.stdin.readline() == 'head\\n'\n    assert candidate() == 7\n"
    )
    result = run_code(pool, "def f():\n    a, b = map(int, input().split())\n    return a + b\n", tests)
    assert result.passed, (result.human_eval_result, result.cases)


def test_a_call_too_large_to_carry_leaves_what_was_told_and_an_exception_its_name(pool):
    # Red-team round 23: a refused call that carried no settings made the next call tell the input
    # from its start again; an exception too large to carry came back as a ValueError.
    tests = (
        "import io, sys\n\n\ndef check(candidate):\n"
        "    sys.stdin = io.TextIOWrapper(io.BytesIO(b'1\\n2\\n3\\n'), encoding='utf-8')\n"
        "    assert candidate(0) == '1'\n"
        "    try:\n        candidate('x' * (17 << 20))\n    except Exception:\n        pass\n"
        "    assert candidate(0) == '2'\n"
    )
    result = run_code(pool, "def f(x):\n    return input()\n", tests, timeout_s=20)
    assert result.passed, (result.human_eval_result, result.cases)
    raising = "def f():\n    print('before')\n    raise KeyError('x' * (17 << 20))\n"
    caught = (
        "import contextlib, io\n\n\ndef check(candidate):\n    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out):\n        try:\n            candidate()\n"
        "        except KeyError:\n            pass\n    assert out.getvalue() == 'before\\n'\n"
    )
    result = run_code(pool, raising, caught, timeout_s=20)
    assert result.passed, (result.human_eval_result, result.cases)
