"""Examples table -> signature, docstring with doctests, and tests; bad cells get reasons."""

import doctest
import re

import pytest

from core.modes.example_cells import ExamplesError, parse_cell, type_name
from core.modes.example_names import function_name
from core.modes.examples import (
    NONE_RIGHT,
    best_first,
    build_spec,
    example_verdicts,
    explain,
    none_right,
)


@pytest.mark.parametrize(
    "text,value",
    [
        ("42", 42),
        ("3.5", 3.5),
        ("True", True),
        ("None", None),
        ("[1, 2]", [1, 2]),
        ("'hi'", "hi"),
        ("hello world", "hello world"),
        ("  spaced  ", "spaced"),
        ("{'a': 1}", {"a": 1}),
        ("(1,)", (1,)),
        ("-7", -7),
    ],
)
def test_cells_are_literals_or_plain_text(text, value):
    assert parse_cell(text, 0, "x").value == value


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "the cell is empty"),
        ("   ", "the cell is empty"),
        ("[1, 2", "looks like a list but is not valid"),
        ("{'a': }", "looks like a dict or set but is not valid"),
        ("'it's'", "looks like a text but is not valid"),
        ("(1, 2", "looks like a tuple but is not valid"),
        ("1,234.5", r"without thousands separators, e.g. 1234.5 \(text written so goes in quotes: '1,234.5'\)"),
        ("__import__('os').system('x')", None),
    ],
)
def test_bad_cells(text, reason):
    if reason is None:
        # Not a literal: kept as plain text, never evaluated.
        assert parse_cell(text, 0, "x").value == text
        return
    with pytest.raises(ValueError, match=reason) as info:
        parse_cell(text, 2, "year")
    # Plain words for people who do not read Python's parser (issue 23).
    assert "Error" not in str(info.value) and "was never closed" not in str(info.value)


@pytest.mark.parametrize(
    "text,plain",
    [
        ("[1, 2", "a '[' is opened but never closed"),
        ("'it's'", "a text in quotes is not closed"),
        ("[x y]", "a comma seems to be missing"),
        ("{1: len}", "only plain values"),
    ],
)
def test_a_bad_cell_says_what_is_wrong_in_plain_words(text, plain):
    with pytest.raises(ValueError, match=re.escape(plain)):
        parse_cell(text, 2, "year")


def test_all_bad_cells_reported_with_row_and_column():
    with pytest.raises(ExamplesError) as info:
        build_spec(["a", "b", "expected"], [["1", "[", "2"], ["", "2", "3"], ["1", "2"]], "add")
    messages = [str(e) for e in info.value.errors]
    assert messages[0].startswith("row 1, column 'b'")
    assert messages[1].startswith("row 2, column 'a'")
    assert "has 2 cells, expected 3" in messages[2]


@pytest.mark.parametrize(
    "values,expected",
    [
        ([1, 2], "int"),
        ([1, 2.5], "float"),
        ([True, False], "bool"),
        (["a"], "str"),
        ([[1], [2, 3]], "list[int]"),
        ([{"a": 1}], "dict[str, int]"),
        ([1, "a"], "object"),
        ([(1, "a")], "tuple[object, ...]"),
        ([[]], "list[object]"),
    ],
)
def test_type_inference(values, expected):
    assert type_name(values) == expected


def test_header_and_name_errors():
    with pytest.raises(ValueError, match="the last column, 'out': if it holds the outputs, name it 'expected'"):
        build_spec(["a", "out"], [["1", "2"]], "x")
    with pytest.raises(ValueError, match="column name '%' is not usable as a parameter name"):
        build_spec(["%", "expected"], [["1", "2"]], "x")
    with pytest.raises(ValueError, match="column names 'a b' and 'a-b' both become a_b"):
        build_spec(["a b", "a-b", "expected"], [["1", "2", "3"]], "x")
    with pytest.raises(ValueError, match="at least one example row"):
        build_spec(["a", "expected"], [], "x")
    assert function_name("Convert Celsius to Fahrenheit") == "convert_celsius_fahrenheit"
    assert function_name("") == "solve"
    # Probe 5: a French description lost its accented letters (initiale_du_pr_nom); an all-capitals
    # header stayed in capitals beside its lower-case neighbours.
    assert function_name("Initiale du prénom puis le nom") == "initiale_du_prénom_puis"
    assert build_spec(["ISBN", "Prénom", "VAT_RATE", "expected"], [["1", "a", "2", "3"]], "").params == [
        "isbn",
        "prénom",
        "VAT_RATE",
    ]


LEAP = (["year", "expected"], [["2024", "True"], ["1900", "False"], ["2000", "True"], ["2023", "False"]])


def test_prompt_is_valid_python_with_runnable_doctests():
    spec = build_spec(*LEAP, "Tell whether a year is a leap year")
    assert spec.prompt.startswith("def tell_whether_year_leap(year: int) -> bool:")
    namespace = {}
    exec(spec.prompt + "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n", namespace)
    func = namespace[spec.name]
    results = doctest.DocTestRunner().run(doctest.DocTestFinder().find(func, globs={spec.name: func})[0])
    assert results.failed == 0 and results.attempted == 4


def test_tests_accept_right_and_explain_wrong_answers():
    spec = build_spec(*LEAP, "leap year")
    namespace = {}
    exec(spec.tests, namespace)
    namespace["check"](lambda y: y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    with pytest.raises(AssertionError, match="for 1900 it returned True, expected False"):
        namespace["check"](lambda y: y % 4 == 0)
    assert explain(spec, [None, "for 1900 it returned True, expected False", None, None]) == (
        "3 of 4 examples right; for 1900 it returned True, expected False"
    )


def test_rounded_money_values_match_to_the_written_precision():
    spec = build_spec(
        ["price", "rate", "expected"], [["19.99", "0.2", "23.99"], ["10", "0.075", "10.75"]], "price with tax"
    )
    namespace = {}
    exec(spec.tests, namespace)
    namespace["check"](lambda price, rate: price * (1 + rate))  # 23.988 rounds to 23.99
    with pytest.raises(AssertionError, match="expected 23.99"):
        namespace["check"](lambda price, rate: price + rate)
    assert spec.param_types == ["float", "float"] and spec.return_type == "float"


def test_best_first_ranks_examples_right_then_confidence():
    right2, right1 = [None, None, "for 3 it returned 4, expected 9"], [None, "x", "y"]
    verdicts = [right1, right2, None, right2, right1]
    logprobs = [-0.1, -2.0, 0.0, -0.5, None]
    # Most right first; among equals the higher mean log-prob; untested last whatever its log-prob.
    assert best_first(verdicts, logprobs) == [3, 1, 0, 4, 2]
    assert best_first([], []) == []
    assert best_first([right1, right1], [-1.0, -1.0]) == [0, 1]  # full ties keep generation order


def test_duplicate_columns_and_bad_function_names_are_refused():
    with pytest.raises(ValueError, match="column name 'a' is used twice"):
        build_spec(["a", "a", "expected"], [["1", "2", "3"]], "add")
    with pytest.raises(ValueError, match="function name '2x' is not usable"):
        build_spec(["a", "expected"], [["1", "2"]], "double", name="2x")
    assert build_spec(["a", "expected"], [["1", "2"]], "double", name="twice").name == "twice"


def test_a_failed_example_shows_what_the_call_returned_even_from_a_candidate_that_keeps_state():
    """In the real sandbox: the message used to call the candidate again, and a candidate that
    answers differently each time was shown as "for 2 it returned 4, expected 4"."""
    from sandbox import Program, SandboxPool

    spec = build_spec(["x", "expected"], [["2", "4"], ["3", "6"]], "double the number")
    body = "    global CALLS\n    CALLS = globals().get('CALLS', 0) + 1\n    return x * 2 if CALLS % 2 == 0 else 0\n"
    with SandboxPool(workers=1) as pool:
        result = pool.submit(Program(spec.prompt, body, spec.tests, spec.name), timeout_s=5.0).result()
    # The first call returns 0 and fails its example; the second returns 6, right.
    assert (
        explain(spec, example_verdicts(spec, result.cases)) == "1 of 2 examples right; for 2 it returned 0, expected 4"
    )


def test_a_candidate_that_answers_only_the_examples_ranks_after_a_function():
    """Three candidates hard-code the two rows (an error anywhere else) and behave alike, one more
    gives a fixed answer anywhere else; two compute the rule. All six get every example right:
    the rule comes first all the same."""
    from core.ranking import generated_tests as gt
    from core.ranking.behaviour import Behaviour
    from core.ranking.examine import Examination, rows_as_inputs

    spec = build_spec(["title", "expected"], [["'Hello World'", "'hello_world'"], ["'A B'", "'a_b'"]], "")
    known = rows_as_inputs(spec)
    inputs = (*known, "'x y'", "''")
    memoriser = Behaviour(("='hello_world'", "='a_b'", "!ValueError", "!ValueError"), ())
    fixed = Behaviour(("='hello_world'", "='a_b'", "='total'", "='total'"), ())
    rule = Behaviour(("='hello_world'", "='a_b'", "='x_y'", "=''"), ())
    exam = Examination(inputs, gt.GeneratedTests((), 0), (memoriser, memoriser, memoriser, fixed, rule, rule))
    right = [True] * 6
    assert exam.cluster_sizes() == [3, 3, 3, 1, 2, 2] and exam.support(known, right) == [0, 0, 0, 0, 2, 2]
    order = best_first([[None, None]] * 6, [-0.1, -0.1, -0.1, -0.1, -0.5, -0.5], None, exam.support(known, right))
    assert order[:2] == [4, 5] and not exam.only_rows(known, right)
    # Only lookups right on the rows: the sizes stand, and the user is told.
    lookups = Examination(inputs, gt.GeneratedTests((), 0), (memoriser, memoriser, rule))
    assert lookups.support(known, [True, True, False]) == [2, 2, 1] and lookups.only_rows(known, [True, True, False])


def test_a_predicate_false_on_every_input_tried_is_no_lookup():
    """is_prime from 7 -> True and 9 -> False: the neighbours tried are all composite, so the right
    function answers False everywhere beyond the rows. A wrong one that varies must not win."""
    from core.ranking import generated_tests as gt
    from core.ranking.behaviour import Behaviour
    from core.ranking.examine import Examination, rows_as_inputs

    spec = build_spec(["n", "expected"], [["7", "True"], ["9", "False"]], "is it a prime number")
    known = rows_as_inputs(spec)
    inputs = (*known, "8", "6", "10")
    prime = Behaviour(("=True", "=False", "=False", "=False", "=False"), ())
    wrong = Behaviour(("=True", "=False", "=True", "=False", "=True"), ())
    exam = Examination(inputs, gt.GeneratedTests((), 0), (prime, prime, prime, wrong))
    assert exam.support(known, [True] * 4) == [3, 3, 3, 1] and not exam.only_rows(known, [True] * 4)
    order = best_first([[None, None]] * 4, [-0.5, -0.5, -0.5, -0.1], None, exam.support(known, [True] * 4))
    assert order[0] != 3
    # Rows whose answers repeat say nothing against one answer beyond them either.
    same = build_spec(["x", "expected"], [["1", "4"], ["2", "4"]], "")
    constant = Examination(("1", "2", "3"), gt.GeneratedTests((), 0), (Behaviour(("=4",) * 3, ()),))
    assert constant.generalises(constant.behaviours[0], rows_as_inputs(same))


def test_code_that_writes_the_rows_out_is_a_lookup_even_where_rows_share_an_answer():
    """Probe 5: a dict of five dates, two of them Thursdays, answering "Invalid date" for every other
    date, was called a rule because its rows' answers repeat."""
    from core.ranking import generated_tests as gt
    from core.ranking.behaviour import Behaviour
    from core.ranking.examine import Examination, rows_as_inputs

    rows = [["'13/07/2026'", "Monday"], ["'16/07/2026'", "Thursday"], ["'23/07/2026'", "Thursday"]]
    known = rows_as_inputs(build_spec(["date", "expected"], rows, "day of the week"))
    inputs = (*known, "'14/07/2026'", "'01/01/2000'")
    lookup_code = "    return {'13/07/2026': 'Monday', '16/07/2026': 'Thursday', '23/07/2026': 'Thursday'}.get(date, 'Invalid date')\n"
    rule_code = "    import datetime\n    return datetime.datetime.strptime(date, '%d/%m/%Y').strftime('%A')\n"
    lookup = Behaviour(("='Monday'", "='Thursday'", "='Thursday'", "='Invalid date'", "='Invalid date'"), ())
    rule = Behaviour(("='Monday'", "='Thursday'", "='Thursday'", "='Tuesday'", "='Saturday'"), ())
    exam = Examination(inputs, gt.GeneratedTests((), 0), (lookup, rule), (lookup_code, rule_code))
    assert not exam.generalises(lookup, known, lookup_code) and exam.generalises(rule, known, rule_code)
    assert exam.support(known, [True, True]) == [0, 1]
    # Without its code, a behaviour with repeated row answers and one answer beyond stays a rule.
    assert exam.generalises(lookup, known)


def test_spreadsheet_headers_become_parameter_names():
    """Headers as spreadsheets write them: words, capitals, units in brackets. A capitalised word
    is lower-cased like its neighbours; another name that is already a parameter name stays as
    written (camelCase, and "If", which lower-cased is a keyword)."""
    header = [
        "Unit price (EUR)",
        "Quantity",
        "first name",
        "Area m²",
        "2nd value",
        "class",
        "itemCount",
        "If",
        "expected",
    ]
    spec = build_spec(header, [["1.5", "2", "'Ada'", "3", "4", "5", "6", "7", "8"]], "x")
    assert spec.params == [
        "unit_price_eur",
        "quantity",
        "first_name",
        "area_m2",
        "x_2nd_value",
        "class_",
        "itemCount",
        "If",
    ]
    assert spec.prompt.startswith("def x(unit_price_eur: float, quantity: int, first_name: str, area_m2: int,")


def test_none_right_names_the_one_row_every_candidate_misses_the_same_way():
    leap = "for 1900 it returned True, expected False"
    right, other = [None, None, leap], [None, "for 2024 it returned False, expected True", leap]
    said = none_right([right, right, other], [None, None, None])
    assert said.startswith("No candidate gets every example right, but 2 get every other example right")
    assert f"miss row 3 the same way: {leap}. If that row is right" in said
    # Not when: one candidate only; they miss it in different ways, or by an error; some candidate
    # gets the row right; the table has two rows; or the only ones are degenerate.
    assert none_right([right, other], [None, None]) == NONE_RIGHT
    differently = [None, None, "for 1900 it returned 1, expected False"]
    assert none_right([right, differently], [None, None]) == NONE_RIGHT
    error = [None, None, "for 1900 it failed: ZeroDivisionError: division by zero"]
    assert none_right([error, error], [None, None]) == NONE_RIGHT
    assert none_right([right, right, [None, "x", None]], [None, None, None]) == NONE_RIGHT
    assert none_right([[None, leap], [None, leap]], [None, None]) == NONE_RIGHT
    assert none_right([right, right, None], ["repeats the prompt", None, None]) == NONE_RIGHT
