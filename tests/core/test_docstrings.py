"""Reverse mode: Codex-D prompts, code-copy flags, oracle tests in the real sandbox, back-translation."""

import pytest

from core.modes.docstrings import (
    back_translation_score,
    copies_code,
    example_inputs,
    forward_prompt,
    functions_in,
    generate_docstrings,
    oracle_tests,
    prompt_for,
)
from core.sampling.params import SamplingParams

SOURCE = '''import math


def hypot(a, b):
    """Length of the hypotenuse.

    >>> hypot(3, 4)
    5.0
    """
    return math.sqrt(a * a + b * b)


def shout(text):
    return text.upper() + "!"
'''


def test_functions_in_splits_signature_body_and_docstring():
    hypot, shout = functions_in(SOURCE)
    assert hypot.name == "hypot" and hypot.docstring.startswith("Length of the hypotenuse")
    assert hypot.code == "def hypot(a, b):\n    return math.sqrt(a * a + b * b)\n"
    assert hypot.header == "import math\ndef hypot(a, b):\n"
    assert shout.docstring is None and shout.body == '    return text.upper() + "!"\n'


@pytest.mark.parametrize(
    "source",
    [
        "def add(a, b): return a + b\n",
        "@cache\ndef add(a: int, b: int = 1) -> int: return a + b\n",
        'def add(a, b): "Sum."; return a + b\n',
    ],
)
def test_a_function_on_one_line_has_its_def_as_header(source):
    """Its header had been empty, so back-translation's prompt had no `def` and every docstring scored 0."""
    [add] = functions_in(source)
    assert add.header.rstrip().endswith(":") and "def add(" in add.header and "return" not in add.header
    assert add.body == "    return a + b\n"
    compile(forward_prompt(add, "Sum of a and b.") + add.body, "<forward>", "exec")


def test_completion_prompt_has_codex_d_shape(tiny_engine):
    hypot = functions_in(SOURCE)[0]
    prompt = prompt_for(tiny_engine, hypot, "completion")
    # Signature, then the body, then the docstring to be written.
    assert prompt.index("def hypot") < prompt.index("return math.sqrt") < prompt.index('hypot.__doc__ = """')
    assert prompt.endswith('"""') and "Length of the hypotenuse" not in prompt


def test_instruct_prompt_uses_the_chat_template(tiny_chat_model_dir):
    from core.sampling.engine import Engine

    engine = Engine.load(str(tiny_chat_model_dir), progress=lambda _m: None)
    prompt = prompt_for(engine, functions_in(SOURCE)[1], "instruct")
    assert prompt.startswith("<|user|>") and "<|assistant|>" in prompt and prompt.endswith('"""')
    docs = generate_docstrings(engine, functions_in(SOURCE)[1], SamplingParams(n=3, max_new_tokens=12))
    assert len(docs) == 3


def test_generated_docstrings_are_ranked_by_mean_logprob(tiny_engine):
    docs = generate_docstrings(
        tiny_engine, functions_in(SOURCE)[0], SamplingParams(n=4, max_new_tokens=12, mode="completion")
    )
    means = [d.candidate.mean_logprob for d in docs]
    assert means == sorted(means, reverse=True)
    assert all('"""' not in d.text for d in docs)


def test_code_restated_with_other_spacing_is_a_copy():
    body = "    return (a * a + b * b) ** 0.5\n"
    assert copies_code("Returns (a*a + b*b)**0.5.", body)
    assert copies_code(">>> (a*a+b*b)**0.5", body)
    assert not copies_code("The length of the hypotenuse of a right triangle with legs a and b.", body)


def test_copies_code():
    body = "    total = a + b\n    return total * 2\n"
    assert copies_code("Computes total = a + b then return total * 2", body)
    assert not copies_code("Twice the sum of a and b.", body)
    assert not copies_code("anything", "    pass\n")
    header = "from typing import List\n\n@cache\ndef total(a: int, b: int) -> int:\n"
    assert copies_code("def total(a: int, b: int) -> int:", body, header)  # the def line echoed back
    assert copies_code("def total(a: int,  b: int) -> int\n\nMore.", body, header)
    assert not copies_code("Returns the total of a and b; see def total.", body, header)


def test_example_inputs_from_doctests_and_tests():
    hypot = functions_in(SOURCE)[0]
    assert example_inputs(
        hypot, "def check(candidate):\n    assert candidate(5, 12) == 13.0\n    assert hypot(3, 4)\n"
    ) == ["3, 4", "5, 12"]


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as p:
        yield p


def test_oracle_tests_accept_the_original_and_reject_another_function(pool):
    from sandbox import Program

    hypot = functions_in(SOURCE)[0]
    tests = oracle_tests(hypot, ["3, 4", "5, 12"])
    prompt = forward_prompt(hypot, "Length of the hypotenuse.")
    right = pool.submit(Program(prompt, "    return math.hypot(a, b)\n", tests, "hypot")).result()
    wrong = pool.submit(Program(prompt, "    return a + b\n", tests, "hypot")).result()
    assert right.passed, right
    assert not wrong.passed and wrong.n_passed == 0


def test_back_translation_score_is_a_share(tiny_engine, pool):
    hypot = functions_in(SOURCE)[0]
    score = back_translation_score(
        tiny_engine,
        pool,
        hypot,
        "Length of the hypotenuse.",
        ["3, 4"],
        SamplingParams(max_new_tokens=8, mode="completion"),
        samples=3,
    )
    assert score in (0.0, 1 / 3, 2 / 3, 1.0)
