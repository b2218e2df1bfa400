"""A large table of examples: the prompt shows a sample of its rows, the tests check every row, and
the examination still tries inputs beyond the rows (core.modes.prompt_rows)."""

import re

import pytest

from core.modes.examples import MOST_EXAMPLES, TableError, build_spec, example_verdicts, explain, sample_note
from core.modes.prompt_rows import MOST_CHARS, MOST_ROWS, prompt_rows


def _doctest_rows(prompt: str) -> list[str]:
    return re.findall(r">>> \w+\((.*)\)", prompt)


def test_a_table_of_a_usual_size_is_shown_whole():
    rows = [[str(n), str(n * 2)] for n in range(12)]
    spec = build_spec(["n", "expected"], rows, "double the number")
    assert spec.shown == list(range(12)) and sample_note(spec) is None
    assert _doctest_rows(spec.prompt) == [str(n) for n in range(12)]


def test_a_sorted_yes_no_table_shows_both_answers_and_rows_from_all_over_it():
    """1,000 rows sorted by n: the first 500 all answer False. The sample shows a True too, and
    rows from the whole range, in the table's order."""
    rows = [[str(n), str(n >= 500)] for n in range(1000)]
    spec = build_spec(["n", "expected"], rows, "is the number at least 500")
    shown = spec.shown
    assert len(shown) == MOST_ROWS and shown == sorted(shown)
    assert {spec.rows[p][1].value for p in shown} == {True, False}
    assert min(shown) < 100 and max(shown) > 900
    doctest_chars = sum(len(line) for line in spec.prompt.split('"""')[1].splitlines() if line.strip())
    assert doctest_chars < MOST_CHARS
    assert sample_note(spec) == (
        "The prompt shows 16 of the 1000 examples, chosen to cover their answers; the tests check all 1000."
    )
    assert spec.tests.count("assert ") == 1000  # every row is still a test


def test_few_kinds_of_answer_are_each_shown_once_before_spreading():
    kinds = ["'small'", "'medium'", "'large'"]
    rows = [[str(n), kinds[0 if n < 90 else 1 if n < 99 else 2]] for n in range(100)]
    shown = build_spec(["n", "expected"], rows, "size of the number").shown
    assert {0, 90, 99} <= set(shown) and len(shown) == MOST_ROWS


def test_long_rows_are_shown_within_the_character_budget_and_at_least_one_is():
    texts = [f"'{i}" + "x" * 400 + "'" for i in range(10)]
    rows = [[text, str(i)] for i, text in enumerate(texts)]
    shown = prompt_rows([f"    >>> f({text})\n    {i}" for i, text in enumerate(texts)], [str(i) for i in range(10)])
    assert 1 <= len(shown) <= MOST_CHARS // 400
    huge = ["    >>> f('" + "y" * 5000 + "')\n    1"] * 20
    assert len(prompt_rows(huge, [str(i) for i in range(20)])) == 1
    assert len(build_spec(["text", "expected"], rows, "").shown) == len(shown)


def test_every_row_is_checked_in_the_sandbox_and_a_wrong_hidden_row_is_named():
    """In the real sandbox: a candidate right on every shown row but wrong on one row the prompt
    leaves out fails that row, and only that one."""
    from sandbox import Program, SandboxPool

    rows = [[str(n), str(n * 3)] for n in range(300)]
    spec = build_spec(["n", "expected"], rows, "triple the number")
    hidden = next(p for p in range(300) if p not in spec.shown)
    body = f"    return 0 if n == {hidden} else n * 3\n"
    with SandboxPool(workers=1) as pool:
        result = pool.submit(Program(spec.prompt, body, spec.tests, spec.name), timeout_s=10.0).result()
    verdicts = example_verdicts(spec, result.cases)
    assert len(verdicts) == 300 and [p for p, v in enumerate(verdicts) if v is not None] == [hidden]
    assert explain(spec, verdicts) == f"299 of 300 examples right; for {hidden} it returned 0, expected {hidden * 3}"


def test_a_candidate_wrong_on_many_rows_is_explained_in_a_bounded_sentence():
    rows = [[str(n), str(n + 1)] for n in range(200)]
    spec = build_spec(["n", "expected"], rows, "add one")
    verdicts = [None if n % 2 else f"for {n} it returned {n}, expected {n + 1}" for n in range(200)]
    text = explain(spec, verdicts)
    assert text.startswith("100 of 200 examples right; for 0 it returned 0, expected 1; for 2 ")
    assert text.endswith("; and 95 more wrong") and text.count("it returned") == 5


def test_the_examination_of_a_large_table_tries_inputs_beyond_its_rows():
    """200 rows used to fill every input the examination tries (40), so no candidate could show
    it generalises, and a rule was told it "may only repeat your examples". In the real sandbox,
    without the model: the rule generalises, a lookup of the rows does not, and the rule ranks first."""
    from core.ranking.examine import examples_question, rows_as_inputs
    from sandbox import SandboxPool

    rows = [[str(n), str(n * n)] for n in range(200)]
    spec = build_spec(["n", "expected"], rows, "square the number")
    table = {n: n * n for n in range(200)}
    rule = "    return n * n\n"
    lookup = f"    return {table!r}[n]\n"
    with SandboxPool(workers=1) as pool:
        exam, _question = examples_question(pool, None, spec, [rule, lookup], [True, True], ask_model=False)  # type: ignore[arg-type]  # no model: ask_model=False
    known = rows_as_inputs(spec)
    assert sum(1 for args in exam.inputs if args not in known) >= 10
    assert not exam.only_rows(known, [True, True])
    assert exam.support(known, [True, True]) == [1, 0]


def test_a_table_too_large_to_check_in_time_is_refused_before_anything_runs():
    rows = [[str(n), str(n)] for n in range(MOST_EXAMPLES + 1)]
    with pytest.raises(TableError, match="2001 examples are more than a candidate's run can check in time"):
        build_spec(["n", "expected"], rows, "the same number")
    assert len(build_spec(["n", "expected"], rows[:MOST_EXAMPLES], "the same number").rows) == MOST_EXAMPLES


def test_the_rows_on_each_side_of_a_threshold_are_shown():
    """Ages 0-119 and ticket prices: whether 11 pays 5 or 12 is only told by the rows at the change."""
    rows = [[str(age), str(5 if age < 12 else 12 if age < 65 else 7)] for age in range(120)]
    shown = build_spec(["age", "expected"], rows, "ticket price").shown
    assert {11, 12, 64, 65} <= set(shown) and len(shown) == MOST_ROWS
    assert max(shown) > 100  # and still spread over the table


def test_one_long_row_leaves_room_for_the_short_ones():
    # Probe 6: a 2,000-character row, taken first, was the only one the prompt showed.
    texts = ["x" * MOST_CHARS, "Hello there", "Hi"]
    doctests = [f"    >>> words({text!r})\n    {i}" for i, text in enumerate(texts)]
    shown = prompt_rows(doctests, ["1", "2", "3"])
    assert 1 in shown and 2 in shown
