"""Values at the edges of what crosses between the tests and the candidate (held-out probe 5):
each right program passes on the real sandbox as in one Python process, and a wrong one fails."""

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
