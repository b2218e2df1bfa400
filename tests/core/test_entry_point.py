"""One rule for the function a prompt asks for (core.modes.entry_point), checked against HumanEval's own
entry points, and the prompts on which instruct mode and the tests' entry point once disagreed."""

import subprocess
import sys
from pathlib import Path

import pytest

from core.evaluation.problems import load_problems
from core.modes.entry_point import entry_point, function_names, target_function
from core.modes.example_library import load_library
from core.modes.instruct import completion_from_reply

ROOT = Path(__file__).resolve().parents[2]
HELPER = "def helper(x):\n    return x\n\n\n"
# The model continues `push`; `helper` is not what it writes. The old tests' rule (last top-level
# def) named `helper` while instruct mode rewrote `push`: generate --tests and the app tested a
# function the model never wrote.
CLASS_LAST = HELPER + 'class Stack:\n    def push(self, x):\n        """Push x."""\n'


def test_humaneval_entry_points():
    # HumanEval/10, /38, /50 ... define helpers before the function to complete.
    for task, problem in load_problems().items():
        target = target_function(problem["prompt"])
        assert target is not None and target.indent == "", task
        assert entry_point(problem["prompt"]) == target.name == problem["entry_point"], task


def test_shipped_examples_test_the_function_the_model_writes():
    for entry in load_library():
        target = target_function(entry.prompt)
        assert target is not None and target.name == entry.entry_point == entry_point(entry.prompt), entry.id


@pytest.mark.parametrize(
    "prompt,target,entry",
    [
        ("def f(a):\n", ("", "f"), "f"),
        ("async def f(a):\n", ("", "f"), "f"),
        (HELPER + "def f(a):\n    '''Doc.'''\n", ("", "f"), "f"),
        # A nested helper the prompt starts: the model writes it, the tests call the function holding it.
        ('def f(xs):\n    """Sort."""\n    def key(x):\n', ("    ", "key"), "f"),
        ("class A:\n    def m(self):\n", ("    ", "m"), None),
        (CLASS_LAST, ("    ", "push"), None),
        ("x = 1\n", None, None),
        # A header never spans lines: `def` then a name on the next line defines nothing.
        ("def\nf(a):\n", None, None),
    ],
)
def test_target_and_entry_point(prompt, target, entry):
    found = target_function(prompt)
    assert (found and (found.indent, found.name)) == target
    assert entry_point(prompt) == entry


def test_function_names_cover_every_depth():
    assert function_names(CLASS_LAST + "    def pop(self):\n") == {"helper", "push", "pop"}


def test_instruct_completes_the_function_the_tests_call():
    prompt = load_problems()["HumanEval/10"]["prompt"]  # is_palindrome, then make_palindrome
    reply = (
        "def is_palindrome(string: str) -> bool:\n    return string == string[::-1]\n\n"
        "def make_palindrome(string: str) -> str:\n    return 'done'\n```"
    )
    program = prompt + completion_from_reply(prompt, reply)
    namespace: dict = {}
    exec(compile(program, "<candidate>", "exec"), namespace)  # trusted literals of this test only
    assert namespace[entry_point(prompt)]("ab") == "done"


def test_generate_refuses_tests_for_a_function_it_cannot_call(tmp_path):
    prompt, tests = tmp_path / "prompt.py", tmp_path / "tests.py"
    prompt.write_text(CLASS_LAST)
    tests.write_text("def check(candidate):\n    assert candidate(1) == 1\n")
    # The refusal comes before the model loads: this model folder does not exist.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "generate",
            str(prompt),
            "--tests",
            str(tests),
            "--model",
            str(tmp_path / "no-model"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "codesynth: error: the prompt defines no top-level function for the tests to call: give --entry-point"
    )
