"""The reverse (docstring-from-code) prompt and back-translation scoring."""

import ast
import math

import pytest

from core.modes.reverse import back_translation_logprob, docstring_continuation, reverse_prompt, strip_docstring


def docstring_value(problem):
    [fn] = [n for n in ast.walk(ast.parse(problem["prompt"])) if getattr(n, "name", None) == problem["entry_point"]]
    return next(s.value.value for s in fn.body if isinstance(s, ast.Expr))


def words(text):
    return text.split()


def test_every_humaneval_prompt_splits_into_code_and_docstring(humaneval):
    for problem in humaneval.values():
        code, doc = strip_docstring(problem["prompt"], problem["entry_point"])
        assert doc and doc not in code
        # The reference body still completes the function once the docstring is gone.
        ast.parse(code + problem["canonical_solution"])
        # Reverse prompt + docstring is Python that assigns exactly that docstring.
        reverse = reverse_prompt(code + problem["canonical_solution"], problem["entry_point"])
        module = ast.parse(reverse + docstring_continuation(doc))
        assign = module.body[-1]
        assert ast.unparse(assign.targets[0]) == f"{problem['entry_point']}.__doc__"
        assert words(assign.value.value) == words(docstring_value(problem))


def test_docstring_after_an_import_in_the_body(humaneval):
    # HumanEval/115 puts `import math` before its docstring.
    code, doc = strip_docstring(humaneval["HumanEval/115"]["prompt"], "max_fill")
    assert "import math" in code and doc.startswith("You are given a rectangular grid")


@pytest.mark.parametrize(
    "prompt,message",
    [
        ("def f(x):\n    return x\n", "no docstring for function f"),
        ("def g(x):\n    '''doc'''\n", "no docstring for function f"),
        ("def f(x:\n", "not valid Python"),
        ('def f(x): """doc"""\n', "shares a line"),
    ],
)
def test_prompts_without_a_usable_docstring(prompt, message):
    with pytest.raises(ValueError, match=message):
        strip_docstring(prompt, "f")


class RecordingEngine:
    def __init__(self):
        self.calls = []

    def score(self, context, continuation):
        self.calls.append((context, continuation))
        return [-0.5, -1.5]


def test_back_translation_scores_the_docstring_given_the_candidate():
    engine = RecordingEngine()
    prompt = 'import os\n\n\ndef f(x):\n    """Double x.\n\n    >>> f(2)\n    4\n    """\n'
    assert back_translation_logprob(engine, prompt, "    return 2 * x\n", "f") == -2.0
    [(context, continuation)] = engine.calls
    assert context == 'import os\n\n\ndef f(x):\n    return 2 * x\n\n\nf.__doc__ = """'
    assert continuation == 'Double x.\n\n>>> f(2)\n4\n"""'


def test_back_translation_with_a_real_model(tiny_engine, humaneval):
    problem = humaneval["HumanEval/0"]
    score = back_translation_logprob(
        tiny_engine, problem["prompt"], problem["canonical_solution"], "has_close_elements"
    )
    wrong = back_translation_logprob(tiny_engine, problem["prompt"], "    return None\n", "has_close_elements")
    assert math.isfinite(score) and score < 0 and score != wrong
    code, doc = strip_docstring(problem["prompt"], "has_close_elements")
    expected = sum(
        tiny_engine.score(
            reverse_prompt(code + problem["canonical_solution"], "has_close_elements"), docstring_continuation(doc)
        )
    )
    assert score == pytest.approx(expected)
