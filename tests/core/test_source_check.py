"""A prompt is checked as the start of a program: unfinished at its end is fine, broken before
it is not; Python's messages come out in plain words."""

import pytest

from core.evaluation.problems import load_problems
from core.modes.source_check import plain_message, prompt_problem


@pytest.mark.parametrize(
    "prompt",
    [
        "def add(a, b):\n",  # a signature whose body the model writes
        'def add(a, b):\n    """Return a + b."""\n',  # a def with only a docstring is valid Python
        "def f(xs):\n    for x in xs:\n",  # inside a body, at an open block
        "def f(xs):\n    total = [x for x in\n",  # the model goes on with the last line
        'def f(x):\n    """Doc.\n',  # a docstring the model may still close
        "def f(x):\n    # a comment last\n",
        "",
    ],
)
def test_prompts_the_model_can_continue(prompt):
    assert prompt_problem(prompt) is None


def test_every_humaneval_prompt_is_accepted():
    assert [task for task, p in load_problems().items() if prompt_problem(p["prompt"])] == []


@pytest.mark.parametrize(
    "prompt, line, words",
    [
        ('def add(a, b:\n    """Return a + b."""\n', 1, "'(' is opened but never closed"),
        ("def f(x)\n    return x\n", 1, "':' is missing"),
        ("import os\ndef f(x):\n  x = 1\n y = 2\n    \n", 4, "indentation matches none"),
        ("x = 1 +* 2\n\ndef f():\n", 1, "not valid Python"),
        ('x = "abc\ndef f():\n', 1, "text in quotes is not closed"),
        ("def f(x):\n    return (1 + ]\n", 2, "a ']' closes a '('"),
    ],
)
def test_broken_prompts_say_where_and_what(prompt, line, words):
    problem = prompt_problem(prompt)
    assert problem is not None and problem.line == line and words in problem.message
    assert "Error" not in problem.message and "literal" not in problem.message


def test_plain_message_keeps_what_it_cannot_translate():
    assert plain_message("'[' was never closed") == "a '[' is opened but never closed"
    assert plain_message("something new in Python 3.14") == "something new in Python 3.14"


def test_a_prompt_too_costly_to_compile_or_too_deep_to_parse_is_refused_without_compiling(monkeypatch):
    """Red-team round 8: a From-examples candidate with try/finally nested 9 deep, taken with Use
    this function, made each Ctrl+Enter compile it for 3.3 s in the window's thread."""
    from core.modes import source_check

    body = "return x"
    for _ in range(9):
        inner = "\n".join("    " + line for line in body.splitlines())
        body = f"try:\n{inner}\nfinally:\n    x += 1"
    bomb = "def f(x):\n" + "\n".join("    " + line for line in body.splitlines()) + "\n"
    shallow = bomb.replace("try:", "if x:").replace("finally:", "else:")
    assert prompt_problem(shallow) is None
    compiled = []
    monkeypatch.setattr(source_check, "_compile_problem", compiled.append)
    problem = prompt_problem(bomb)
    assert problem is not None and "nested 9 deep" in problem.message and problem.line == 10
    chained = prompt_problem("def f(a, b):\n    return a + b " + "-" * 6000 + "0\n")
    assert chained is not None and "too deeply" in chained.message
    assert compiled == []
