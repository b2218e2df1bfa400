"""How an examples table's columns are read: lists, codes, empty cells, brackets, numbers beyond
floats, truth values and spreadsheet text, each as the user meant it or refused in plain words."""

import pytest

from core.modes.example_cells import ExamplesError, parse_cell, shown_inputs
from core.modes.examples import build_spec, sample_note


def test_a_column_of_lists_reads_a_lone_value_as_a_list_of_one():
    """ "3, 1, 2" in one row and "7" in the next are the same kind of thing (a median of one)."""
    spec = build_spec(["marks", "expected"], [["3, 1, 2", "2"], ["7", "7"]], "")
    assert [i[0].value for i, _ in spec.rows] == [(3, 1, 2), (7,)] and spec.param_types == ["tuple[int, ...]"]
    spec = build_spec(["names", "expected"], [["['Ann', 'Bo']", "2"], ["'Cy'", "1"]], "")
    assert [i[0].value for i, _ in spec.rows] == [["Ann", "Bo"], ["Cy"]]
    # Lists beside tuples, or beside dicts, are left as written: no one kind to read a value as.
    spec = build_spec(["x", "expected"], [["[1, 2]", "2"], ["(3, 4)", "2"], ["5", "1"]], "")
    assert [i[0].value for i, _ in spec.rows] == [[1, 2], (3, 4), 5]


def test_messages_show_an_input_that_would_read_as_several_as_python_writes_it():
    """ "slug(Hello, World!)" looked like two inputs, "median(3, 1, 2)" like three."""
    spec = build_spec(["title", "marks", "n", "expected"], [["Hello, World!", "3, 1, 2", "7", "'x'"]], "")
    assert shown_inputs(spec.rows[0][0]) == "'Hello, World!', (3, 1, 2), 7"
    assert "\"for 'Hello, World!', (3, 1, 2), 7 it returned \"" in spec.tests
    plain = build_spec(["word", "marks", "expected"], [["Hello", "[3, 1]", "'x'"]], "")
    assert shown_inputs(plain.rows[0][0]) == "Hello, [3, 1]"  # as written, where nothing is ambiguous


def test_a_number_with_thousands_dots_and_a_decimal_comma_is_refused_not_read_as_a_tuple():
    with pytest.raises(ExamplesError, match="without thousands separators and with a decimal point"):
        build_spec(["price", "expected"], [["1.250,00", "1487.5"]], "")


def test_text_that_starts_with_a_bracket_is_text_and_a_broken_literal_is_not():
    spec = build_spec(["phone", "expected"], [["(212) 555 0199", "(212) 555-0199"], ["[draft] notes", "'x'"]], "")
    assert [(i[0].value, e.value) for i, e in spec.rows] == [
        ("(212) 555 0199", "(212) 555-0199"),
        ("[draft] notes", "x"),
    ]
    for broken in ("[1, 2", "(1, 2", "{'a': }"):
        with pytest.raises(ExamplesError, match="looks like a"):
            build_spec(["x", "expected"], [[broken, "1"]], "")


def test_an_empty_cell_in_a_column_of_text_is_empty_text_and_elsewhere_is_refused():
    header = ["first", "middle", "last", "expected"]
    spec = build_spec(header, [["Ann", "Beth", "Lee", "Ann B. Lee"], ["Tom", "", "Hart", "Tom Hart"]], "")
    assert spec.rows[1][0][1].value == "" and spec.param_types == ["str", "str", "str"]
    assert "    >>> solve('Tom', '', 'Hart')\n" in spec.prompt
    with pytest.raises(ExamplesError, match="row 2, column 'age': the cell is empty"):
        build_spec(["age", "expected"], [["17", "False"], ["", "True"]], "")
    with pytest.raises(ExamplesError, match="row 1, column 'expected': the cell is empty"):
        build_spec(["x", "expected"], [["7", ""]], "")


def test_a_column_with_a_leading_zero_holds_codes_and_all_of_it_is_text():
    spec = build_spec(
        ["zip", "expected"], [["2134", "02134"], ["90210", "90210"], ["501", "00501"]], "pad the zip code"
    )
    assert [e.value for _, e in spec.rows] == ["02134", "90210", "00501"] and spec.return_type == "str"
    assert [i[0].value for i, _ in spec.rows] == [2134, 90210, 501]  # no leading zero there: numbers
    # Phone numbers, some with dashes: all of them text. Beside a word, whole numbers stay numbers,
    # and the check takes them as numbers or as text (probe 11: FizzBuzz, a check digit X).
    phones = build_spec(["phone", "expected"], [["5551234567", "'ok'"], ["555-987-6543", "'ok'"]], "")
    assert [i[0].value for i, _ in phones.rows] == ["5551234567", "555-987-6543"]
    fizz = build_spec(["n", "expected"], [["3", "Fizz"], ["4", "4"]], "fizzbuzz")
    assert [e.value for _, e in fizz.rows] == ["Fizz", 4]
    namespace: dict[str, object] = {}
    exec(fizz.tests, namespace)
    check = namespace["check"]
    check(lambda n: "Fizz" if n % 3 == 0 else str(n))  # type: ignore[operator]
    check(lambda n: "Fizz" if n % 3 == 0 else n)  # type: ignore[operator]
    for wrong in (lambda n: "Fizz" if n % 3 == 0 else "4.0", lambda n: "Fizz" if n % 3 == 0 else True):
        with pytest.raises(AssertionError):
            check(wrong)  # type: ignore[operator]
    # Beside a fraction, whole numbers stay numbers: 2 and 0.25 beside 'N/A' are a division's.
    divide = build_spec(["a", "b", "expected"], [["6", "3", "2"], ["1", "4", "0.25"], ["5", "0", "N/A"]], "")
    assert [e.value for _, e in divide.rows] == [2, 0.25, "N/A"]
    # Accounting's negative amounts in brackets: Python would read "(7.00)" as 7.0.
    amounts = build_spec(["amount", "expected"], [["12.5", "12.50"], ["-7", "(7.00)"]], "format the amount")
    assert [e.value for _, e in amounts.rows] == ["12.50", "(7.00)"] and amounts.return_type == "str"
    assert [i[0].value for i, _ in amounts.rows] == [12.5, -7]


def test_a_number_beyond_floats_is_a_bad_cell_not_inf_in_the_check_program():
    # Red-team round 8: 1e400 read as inf, which the check program wrote as the name `inf`.
    for text in ("1e400", "[1, -1e400]", "1e400j", "{'a': 1e999}"):
        with pytest.raises(ExamplesError, match="beyond what Python's floats hold"):
            build_spec(["x", "expected"], [["1", text]], "")
    assert parse_cell("(1e300+1e300j)", 0, "x").value == complex(1e300, 1e300)


def test_a_truth_value_or_a_complex_number_is_no_number_the_table_expects():
    # Red-team round 8: True passed for 1 and for 1.00, and (7+0j) for 7.
    namespace: dict = {}
    exec(build_spec(["x", "expected"], [["1", "1"], ["0", "0"]], "").tests, namespace)
    namespace["check"](lambda x: x)
    for wrong in (lambda x: x > 0, lambda x: complex(x, 0)):
        with pytest.raises(AssertionError):
            namespace["check"](wrong)
    namespace = {}
    exec(build_spec(["x", "expected"], [["2", "1.00"], ["0", "0.00"]], "").tests, namespace)
    namespace["check"](lambda x: x / 2)
    with pytest.raises(AssertionError, match="it returned True, expected 1.00"):
        namespace["check"](lambda x: x > 0)


def test_a_row_typed_twice_is_shown_once_and_a_column_of_text_or_none_says_so():
    """Probe 5: duplicate rows were shown twice in the prompt, and answers of text or None typed `object`."""
    spec = build_spec(["x", "expected"], [["1", "2"], ["2", "4"], ["1", "2"], ["3", "6"]], "double")
    assert spec.shown == [0, 1, 3] and spec.prompt.count(">>> double(1)") == 1 and sample_note(spec) is None
    middle = build_spec(["name", "expected"], [["'Ann Lee'", "None"], ["'Ann Marie Lee'", "'Marie'"]], "")
    assert middle.return_type == "str | None"
    assert build_spec(["x", "expected"], [["1", "None"], ["2", "[1]"]], "").return_type == "list[int] | None"
    assert build_spec(["x", "expected"], [["1", "None"], ["2", "[1]"], ["3", "'a'"]], "").return_type == "object"


def test_spreadsheet_text_is_not_read_with_pythons_other_spellings():
    """Probe 5: a colour code 0x00FF00 was the number 65280, a Dutch city starting with a quote mark
    was refused in Python's words, and #DIV/0! made its whole column text."""
    assert [parse_cell(t, 0, "x").value for t in ("0x00FF00", "1_000", "'s-Hertogenbosch", '"Hi," she said')] == [
        "0x00FF00",
        "1_000",
        "'s-Hertogenbosch",
        '"Hi," she said',
    ]
    assert [parse_cell(t, 0, "x").value for t in ("1.5E+06", "-.5", "+5", "'abc'")] == [1500000.0, -0.5, 5, "abc"]
    with pytest.raises(ExamplesError, match=r"row 2, column 'ratio': #DIV/0! is a spreadsheet's error for a formula"):
        build_spec(["ratio", "expected"], [["0.5", "1"], ["#DIV/0!", "2"]], "")
