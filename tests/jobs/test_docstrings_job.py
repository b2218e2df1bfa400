"""The Docstrings job on the tiny model and the real sandbox: ranked docstrings first with their
scores pending, then each back-translation score; code copies are failures; Stop ends it early.
And the core edit that puts the chosen docstring into a function, whatever its shape."""

import ast
import threading
import time

import pytest

from core.host.jobs import JobError
from core.host.jobs.docstrings_job import COPIES_CODE, NO_INPUTS, OFF, PENDING, SCORED, STOPPED, run
from core.modes import docstrings
from core.modes.docstrings import docstring_edit, insert_docstring
from core.sampling.params import SamplingParams

CODE = '''import math


def hypot(a, b):
    """
    >>> hypot(3, 4)
    5.0
    >>> hypot(5, 12)
    13.0
    """
    return math.sqrt(a * a + b * b)


def shout(text):
    return text.upper() + "!"
'''
PARAMS = SamplingParams(n=3, max_new_tokens=12, mode="completion", seed=0)


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def job(engine, pool, cancel=None, function="hypot", tests="", samples=2, params=PARAMS, code=CODE):
    return run(
        engine,
        lambda: pool,
        cancel or threading.Event(),
        code=code,
        function=function,
        tests=tests,
        params=params,
        back_translation_samples=samples,
    )


@pytest.mark.slow
def test_docstrings_come_first_with_scores_pending_then_each_score(tiny_engine, pool):
    snapshots = list(job(tiny_engine, pool))
    assert snapshots[0].state == "generating" and snapshots[0].docstrings == ()
    ranked = snapshots[1]
    assert ranked.state == "scoring" and ranked.inputs == ("3, 4", "5, 12") and ranked.function == "hypot"
    assert len(ranked.docstrings) == 3
    assert all(d.status == PENDING and d.score is None for d in ranked.docstrings if not d.copies_code)
    means = [d.mean_logprob for d in ranked.docstrings]
    assert means == sorted(means, reverse=True)
    # One score more per snapshot, in rank order, the docstrings themselves unchanged.
    scored = [sum(d.status == SCORED for d in s.docstrings) for s in snapshots[1:]]
    assert scored == sorted(scored) and scored[-1] == 3
    assert [d.text for d in snapshots[-1].docstrings] == [d.text for d in ranked.docstrings]
    last = snapshots[-1]
    assert last.state == "done"
    assert all(d.score in (0.0, 0.5, 1.0) for d in last.docstrings)


@pytest.mark.slow
def test_a_docstring_that_copies_the_code_is_a_failure_and_is_not_back_translated(tiny_engine, pool, monkeypatch):
    # The tiny model writes random text, so the judgement is made to flag the first sample as a copy.
    flags = iter([True, False, False])
    monkeypatch.setattr(docstrings, "copies_code", lambda _text, _body, _signature="": next(flags))
    last = list(job(tiny_engine, pool))[-1]
    copies = [d for d in last.docstrings if d.copies_code]
    assert len(copies) == 1 and copies[0].status == COPIES_CODE and copies[0].score is None
    others = [d for d in last.docstrings if not d.copies_code]
    assert len(others) == 2 and all(d.status == SCORED and 0 <= d.score <= 1 for d in others)


@pytest.mark.slow
def test_without_example_inputs_or_samples_nothing_is_back_translated(tiny_engine, pool):
    no_inputs = list(job(tiny_engine, pool, function="shout"))[-1]
    assert no_inputs.inputs == () and {d.status for d in no_inputs.docstrings} == {NO_INPUTS}
    with_tests = list(job(tiny_engine, pool, function="shout", tests="assert shout('hey') == 'HEY!'", samples=1))
    assert with_tests[-1].inputs == ("'hey'",) and {d.status for d in with_tests[-1].docstrings} == {SCORED}
    off = list(job(tiny_engine, pool, samples=0))
    assert [s.state for s in off] == ["generating", "done", "done"]
    assert {d.status for d in off[-1].docstrings} == {OFF}


@pytest.mark.slow
def test_stop_ends_the_job_early(tiny_engine, pool):
    cancel = threading.Event()
    running = job(tiny_engine, pool, cancel, samples=4, params=SamplingParams(n=4, max_new_tokens=64, seed=1))
    next(running)
    ranked = next(running)
    assert ranked.state == "scoring" and len(ranked.docstrings) == 4
    cancel.set()
    began = time.monotonic()
    last = list(running)[-1]
    assert time.monotonic() - began < 30
    assert last.state == "stopped" and len(last.docstrings) == 4
    assert {d.status for d in last.docstrings} == {STOPPED}


def test_stop_while_writing_shows_no_truncated_docstrings(tiny_engine, pool):
    cancel = threading.Event()
    cancel.set()
    snapshots = list(job(tiny_engine, pool, cancel))
    assert snapshots[-1].state == "stopped" and snapshots[-1].docstrings == ()


@pytest.mark.parametrize(
    ("code", "function", "message"),
    [
        ("def f(:\n", "f", r"not valid Python \(line 1"),
        (CODE, "missing", "no top-level function named 'missing'"),
    ],
)
def test_bad_input_is_a_plain_job_error(tiny_engine, pool, code, function, message):
    with pytest.raises(JobError, match=message):
        next(job(tiny_engine, pool, code=code, function=function))


# -- inserting the chosen docstring ----------------------------------------------------------------


def docstring_of(source: str, name: str) -> str | None:
    node = next(
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
    )
    return ast.get_docstring(node)


SHAPES = {
    "existing docstring": (
        'import math\n\n\ndef f(a, b):\n    """Old.\n\n    More.\n    """\n    return a + b\n',
        'import math\n\n\ndef f(a, b):\n    """{doc}"""\n    return a + b\n',
    ),
    "decorators and colons in the header": (
        '@cache\n@wrap(1)\ndef f(x: int = (lambda: {1: 2}), *, y: "a:b" = 0) -> dict[str, int]:  # note: c\n'
        "    # why\n    return x\n",
        '@cache\n@wrap(1)\ndef f(x: int = (lambda: {1: 2}), *, y: "a:b" = 0) -> dict[str, int]:  # note: c\n'
        '    """{doc}"""\n    # why\n    return x\n',
    ),
    "nested indentation": (
        "class A:\n    def f(self):\n        if self:\n            return 1\n",
        'class A:\n    def f(self):\n        """{doc}"""\n        if self:\n            return 1\n',
    ),
    "one-line def": (
        "def f(x): return x * 2\nprint(f(2))",
        'def f(x):\n    """{doc}"""\n    return x * 2\nprint(f(2))',
    ),
    "one-line def with a docstring": ('def f(x): "old"; return x', 'def f(x):\n    """{doc}"""\n    return x\n'),
    "async, tab-indented": ("async def f():\n\tawait g()\n", 'async def f():\n\t"""{doc}"""\n\tawait g()\n'),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_insert_docstring_gives_each_shape_the_docstring(shape):
    source, expected = SHAPES[shape]
    assert insert_docstring(source, "f", "Doubles x.") == expected.replace("{doc}", "Doubles x.")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "doc",
    [
        "Summary.\n\nArgs:\n    x: a number\n\nReturns twice x.",
        'Quotes """ inside, a \\ backslash and a final "',
        "Control \x00\x0c\u2028 characters",
    ],
)
def test_insert_docstring_keeps_the_text_and_the_code(shape, doc):
    source, _ = SHAPES[shape]
    inserted = insert_docstring(source, "f", doc)
    assert docstring_of(inserted, "f") == doc
    # The rest of the function is untouched: giving it back its old docstring restores the same tree.
    old = docstring_of(source, "f")
    if old is not None:
        assert ast.dump(ast.parse(insert_docstring(inserted, "f", old))) == ast.dump(ast.parse(source))


def test_docstring_edit_replaces_only_the_docstring_lines():
    source, _ = SHAPES["existing docstring"]
    assert docstring_edit(source, "f", "New.") == (4, 8, '    """New."""\n')


def test_docstring_edit_refuses_missing_functions_and_bad_code():
    with pytest.raises(LookupError):
        docstring_edit("def g():\n    pass\n", "f", "doc")
    with pytest.raises(SyntaxError):
        docstring_edit("def f(:\n", "f", "doc")
