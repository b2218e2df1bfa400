"""The helpers that a table's check program (core.modes.examples.Spec.tests) defines before its
asserts, as source text run in the sandbox's judge: how a returned value is compared with an
expected one, and how it is kept and written for the message."""

from __future__ import annotations

# Rounded expected values (money, conversions) match to the decimals the user wrote, however
# large (no relative tolerance: 1e-9 of 132 billion is 132 units), or within rounding where those
# decimals are finer than a float holds; a whole number matches a float that differs from it only
# by rounding (7 / 100 * 100 is 7.000000000000001); floats written otherwise (in a list, with an
# exponent) match to the 12 significant digits a question's answer shows them with
# (core.ranking.behaviour), so the row an answer adds is one its candidates pass.
COMPARE = """import math


def close(got, expected, tolerance):
    if type(got) not in (int, float):  # True is no 1.00, nor (7+0j) a 7
        return False
    try:
        return math.isclose(got, expected, rel_tol=0.0, abs_tol=max(tolerance, 16 * math.ulp(expected)))
    except OverflowError:  # a whole number beyond floats
        return False


def whole(got, expected):
    if type(got) is int:
        return got == expected
    if type(got) is not float:
        return False
    try:
        return abs(got - expected) <= max(16 * math.ulp(float(expected)), 1e-12)
    except OverflowError:  # a whole number beyond floats
        return False


def near(got, expected):
    if isinstance(expected, float):
        try:
            return type(got) in (int, float) and math.isclose(got, expected, rel_tol=1e-11, abs_tol=1e-12)
        except OverflowError:
            return False
    if isinstance(expected, (list, tuple)):
        return type(got) is type(expected) and len(got) == len(expected) and all(map(near, got, expected))
    if isinstance(expected, dict):
        return type(got) is dict and got.keys() == expected.keys() and all(near(got[k], v) for k, v in expected.items())
    return got == expected


def items(got, expected):
    return type(got) in (list, tuple) and len(got) == len(expected) and all(map(near, got, expected))


def alone(got, expected):
    return near(got, expected) or items(got, (expected,))


def whole_or_text(got, expected):
    return whole(got, expected) or got == str(expected)


"""

# The value a call returned, kept for its example's message: calling again there could get another
# answer from a candidate that keeps state, and show "it returned 4, expected 4" for a failure. The
# sandbox runs an assert's condition and message as separate functions, so a `:=` in the
# condition would not reach the message; a module-level cell does.
RETURNED = """_returned = [None]


def returned(value):
    _returned[0] = value
    return value


def shown(value, expected):
    try:
        text = repr(value)
    except ValueError:  # an integer of more than 4,300 digits, which repr refuses, or one inside it
        text = "a value holding a number too long to write"
    return kind(value, expected) + text + ", expected " + kind(expected, value)


# "the text " or "the number " where one of the two is text and the other a number: '5.00' and
# 5.00 look alike to someone who does not read Python.
def kind(value, other):
    kinds = [{str: "the text ", int: "the number ", float: "the number "}.get(type(v), "") for v in (value, other)]
    return kinds[0] if all(kinds) and kinds[0] != kinds[1] else ""


"""


def holds_float(value: object) -> bool:
    """Whether an expected value holds a float anywhere, which `near` then compares."""
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple)):
        return any(map(holds_float, value))
    return isinstance(value, dict) and any(map(holds_float, value.values()))
