"""Degenerate candidates are recognised whatever their spelling, and real attempts never are."""

import pytest

from core.ranking.degenerate import degenerate_reason

PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'


@pytest.mark.parametrize(
    "completion, reason",
    [
        ("", "empty completion"),
        ("  \n\n", "empty completion"),
        ("    pass\n", "only a placeholder"),
        ("    ...\n", "only a placeholder"),
        ("    raise NotImplementedError\n", "only a placeholder"),
        ("    raise NotImplementedError('todo')\n    pass\n", "only a placeholder"),
        ('    """Still nothing."""\n', "only a docstring"),
        ('    """Return a + b."""', "a copy of the prompt"),
        ('\ndef add(a: int, b: int) -> int:\n    """Return a + b."""\n', "a copy of the prompt"),
        # The model wrote the function again, without a body: the last definition is the one that runs.
        ('    return a + b\n\ndef add(a, b):\n    """Adds."""\n', "only a docstring"),
    ],
)
def test_degenerate(completion, reason):
    assert reason in degenerate_reason(PROMPT, completion)


@pytest.mark.parametrize(
    "completion",
    [
        "    return a + b\n",
        "    return None\n",
        "    if a:\n        pass\n    return b\n",
        "    raise ValueError('no')\n",  # a real (if wrong) answer
        "    return (a +\n",  # does not parse: the sandbox reports the error, it is not "degenerate"
        '    """Doc."""\n    return a - b\n',
    ],
)
def test_real_attempts(completion):
    assert degenerate_reason(PROMPT, completion) is None


def test_prompt_without_a_function():
    assert degenerate_reason("# add two numbers\n", "x = 1\n") is None


def test_a_short_right_body_that_the_description_happens_to_hold_is_an_attempt():
    """ "return a, ignoring b": the right body `return a` is in the prompt's text, and no copy."""
    prompt = 'def first(a: int, b: int) -> int:\n    """Return a, ignoring b.\n\n    >>> first(1, 2)\n    1\n    """\n'
    assert degenerate_reason(prompt, "    return a\n") is None
    assert degenerate_reason(prompt, "    >>> first(1, 2)\n    1\n") == "a copy of the prompt"


@pytest.mark.parametrize("completion", ["    return '\ud83d'\n", "    return 'a\x00b'\n"])
def test_text_python_cannot_parse_is_left_to_the_sandbox(completion):
    """A server's half emoji (a lone surrogate) or a NUL byte: not degenerate, and no crash."""
    assert degenerate_reason(PROMPT, completion) is None
