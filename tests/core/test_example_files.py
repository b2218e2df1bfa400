"""Tables of examples as people save them (core.modes.example_files), and what build_spec makes of
what they wrote: spreadsheet CSVs, truth values in any case, whole numbers, contradictory rows."""

import pytest

from core.cli.errors import UserError
from core.modes.example_cells import ExamplesError
from core.modes.example_files import read_table, table_from_text
from core.modes.examples import TableError, build_spec


def table(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_table(path)


def test_a_plain_csv_reads_as_written(tmp_path):
    t = table(tmp_path, "leap.csv", b"year,expected\n2024,True\n1900,False\n")
    assert (t.header, t.rows, t.notes) == (["year", "expected"], [["2024", "True"], ["1900", "False"]], [])


def test_excel_csvs_read_right(tmp_path):
    # "CSV UTF-8" starts with a byte-order mark; European Excel separates cells with semicolons and
    # writes decimal commas; older versions save Windows-1252.
    bom = table(tmp_path, "bom.csv", "\ufeffx,expected\n2,4\n".encode())
    assert bom.header == ["x", "expected"] and bom.notes == []
    euro = table(tmp_path, "euro.csv", b"price;rate;expected\n19,99;0,2;23,99\n10;[1,2];ok\n")
    assert euro.header == ["price", "rate", "expected"]
    assert euro.rows == [["19.99", "0.2", "23.99"], ["10", "[1,2]", "ok"]]
    assert any("decimal point" in note for note in euro.notes)
    tabbed = table(tmp_path, "tabs.csv", b"a\tb\texpected\n1\t2\t3\n")
    assert tabbed.rows == [["1", "2", "3"]]
    old = table(tmp_path, "old.csv", "name,expected\nJos\xe9,JOS\xc9\n".encode("cp1252"))
    assert old.rows == [["José", "JOSÉ"]] and "Windows-1252" in old.notes[0]


def test_python_quotes_in_cells_stay_theirs(tmp_path):
    # Cells holding Python string literals: only the spreadsheet's double quote quotes a cell.
    t = table(tmp_path, "strings.csv", b"xs,s,expected\n\"['a', 'b']\",'007','7'\n")
    assert t.rows == [["['a', 'b']", "'007'", "'7'"]]
    spec = build_spec(t.header, t.rows, "")
    assert spec.rows[0][0][0].value == ["a", "b"] and spec.rows[0][1].value == "7"


def test_a_utf16_file_reads(tmp_path):
    t = table(tmp_path, "unicode.csv", "x\texpected\n2\t4\n".encode("utf-16"))
    assert (t.header, t.rows) == (["x", "expected"], [["2", "4"]])


def test_a_quoted_cell_keeps_its_line_break(tmp_path):
    t = table(tmp_path, "lines.csv", b'text,expected\n"one\ntwo",2\n')
    assert t.rows == [["one\ntwo", "2"]]


def test_json_rows_must_name_the_same_inputs(tmp_path):
    good = table(tmp_path, "ok.json", b'{"description": "sum", "examples": [{"a": 1, "b": 2, "expected": 3}]}')
    assert (good.header, good.rows, good.description) == (["a", "b", "expected"], [["1", "2", "3"]], "sum")
    with pytest.raises(UserError, match="example 2 does not name the same inputs as the first; it lacks b; it adds c"):
        table(tmp_path, "bad.json", b'[{"a": 1, "b": 2, "expected": 3}, {"a": 1, "c": 2, "expected": 3}]')
    with pytest.raises(UserError, match='"examples"'):
        table(tmp_path, "shape.json", b'{"rows": [[1, 2]]}')


def test_json_numbers_keep_the_decimals_written_and_the_library_shape_reads(tmp_path):
    """9.00 in a JSON file asks for cents, as in a CSV: read as 9.0 it matched within 5 cents."""
    cents = table(tmp_path, "cents.json", b'[{"price": 9.00, "rates": [0.50, 2], "expected": 10.35}]')
    assert cents.rows == [["9.00", "[0.5, 2]", "10.35"]]
    assert build_spec(cents.header, cents.rows, "").decimals == 2
    library = table(tmp_path, "lib.json", b'{"header": ["a", "expected"], "rows": [["1", "2"], [3, 4.50]]}')
    assert (library.header, library.rows) == (["a", "expected"], [["1", "2"], ["3", "4.50"]])
    with pytest.raises(UserError, match='"header"'):
        table(tmp_path, "bad_library.json", b'{"header": "a", "rows": [[1, 2]]}')


def test_cells_copied_from_a_spreadsheet_read_as_rows():
    """A spreadsheet's copy puts tabs between cells and quotes a cell that holds a line break."""
    copied = table_from_text('km\tmiles\n1\t0.62\r\n"10\n"\t6.21\n', "the pasted cells")
    assert (copied.header, copied.rows) == (["km", "miles"], [["1", "0.62"], ["10\n", "6.21"]])
    with pytest.raises(UserError, match="the pasted cells is empty"):
        table_from_text(" \n\t\n", "the pasted cells")


def test_truth_values_are_booleans_in_any_case():
    spec = build_spec(["n", "expected"], [["17", "false"], ["18", "TRUE"], ["4", "True"]], "is adult")
    assert [expected.value for _, expected in spec.rows] == [False, True, True] and spec.return_type == "bool"


def test_a_whole_number_matches_a_float_off_by_rounding_only():
    spec = build_spec(["part", "whole", "expected"], [["7", "100", "7"], ["1", "4", "25"]], "percentage")
    namespace: dict = {}
    exec(spec.tests, namespace)
    namespace["check"](lambda part, whole: part / whole * 100)  # 7.000000000000001
    with pytest.raises(AssertionError, match="it returned 8.0, expected 7"):
        namespace["check"](lambda part, whole: part / whole * 100 + 1)
    with pytest.raises(AssertionError, match="it returned the text '7', expected the number 7"):
        namespace["check"](lambda part, whole: str(part))
    # Only rounding: a float one unit off a large whole number is wrong, and a number beyond
    # floats fails rather than errs.
    big = build_spec(["x", "expected"], [["1", "1000000007"], ["2", str(10**400)]], "")
    namespace = {}
    exec(big.tests, namespace)
    with pytest.raises(AssertionError, match="for 1 it returned 1000000006.0"):
        namespace["check"](lambda x: 1000000006.0 if x == 1 else 10**400)
    with pytest.raises(AssertionError, match="for 2 it returned 1e"):
        namespace["check"](lambda x: 1000000007 if x == 1 else 1e300)


def test_contradictory_rows_are_refused_naming_both():
    with pytest.raises(TableError, match=r"rows 1 and 3 give the same inputs \(2\) but different expected values"):
        build_spec(["x", "expected"], [["2", "4"], ["3", "6"], ["2", "5"]], "double")
    build_spec(["x", "expected"], [["2", "4"], ["2", "4"]], "double")  # the same row twice is no contradiction
    build_spec(["x", "expected"], [["2", "4"], ["2", "4.0"]], "double")  # one answer written two ways


def test_a_row_with_too_many_cells_hints_at_quotes():
    with pytest.raises(ExamplesError, match=r"has 3 cells, expected 2 \(put a cell that holds a comma in quotes\)"):
        build_spec(["name", "expected"], [["Lee", " Ann", "Ann Lee"]], "first name first")  # Lee, Ann unquoted


def test_a_decimal_comma_in_a_comma_separated_file_is_refused_not_read_as_a_pair():
    with pytest.raises(ExamplesError, match=r"write decimals with a point, e\.g\. 1\.5"):
        build_spec(["price", "expected"], [["1,5", "3.0"]], "double")
    assert build_spec(["point", "expected"], [["(1, 5)", "6"]], "sum").rows[0][0][0].value == (1, 5)


def test_files_python_cannot_parse_are_refused_naming_them(tmp_path):
    # Red-team round 6, finding 8: each was a traceback.
    with pytest.raises(UserError, match=r"big\.json holds an integer of more than 4300 digits$"):
        table(tmp_path, "big.json", b'[{"x": 1, "expected": ' + b"7" * 5000 + b"}]")
    with pytest.raises(UserError, match=r"cell\.csv could not be read as a table: field larger than field limit"):
        table(tmp_path, "cell.csv", b"x,expected\n1," + b"2" * 200_000 + b"\n")
    # Nested past the recursion limit, or just under the depth json reads, which overflows it later.
    depths, refused = [*range(100, 1000, 3), 100_000], 0
    for depth in depths:
        nested = b"[" * depth + b"]" * depth
        try:
            assert table(tmp_path, "deep.json", b'[{"x": 1, "expected": ' + nested + b"}]").header == ["x", "expected"]
        except UserError as exc:
            assert str(exc).endswith("deep.json nests lists or objects too deeply to read")
            refused += 1
    assert 0 < refused < len(depths)


def test_spaces_at_a_text_cells_edges_are_kept_where_they_are_part_of_it(tmp_path):
    """Probe 4, class E: "  peter PARKER  " in a table about tidying names was read as 'peter
    PARKER', silently, so the row no longer showed the spaces being removed."""
    quoted = table(tmp_path, "names.csv", b'name,expected\n"  peter PARKER  ",Peter Parker\nanne,Anne\n')
    spec = build_spec(quoted.header, quoted.rows, "")
    assert [inputs[0].value for inputs, _ in spec.rows] == ["  peter PARKER  ", "anne"]
    assert "row 1, column 'name': '  peter PARKER  '" in quoted.notes[0] and "kept" in quoted.notes[0]
    # A spreadsheet saves such a cell unquoted; the expected column's spaces count as well.
    saved = table(tmp_path, "pad.csv", b"text,width,expected\nab ,4,  ab\nabc,4, abc\n")
    assert [expected.value for _, expected in build_spec(saved.header, saved.rows, "").rows] == ["  ab", " abc"]
    assert build_spec(saved.header, saved.rows, "").rows[0][0][0].value == "ab "


def test_spaces_a_file_pads_its_cells_with_are_layout(tmp_path):
    typed = table(tmp_path, "typed.csv", b" Item , Qty , expected\npen, 3, 3.60\n notebook , 2 , 5.00\n")
    assert [inputs[0].value for inputs, _ in build_spec(typed.header, typed.rows, "").rows] == ["pen", "notebook"]
    assert typed.notes == []  # one space on either side is how people type
    after_commas = table(tmp_path, "commas.csv", b"name,expected\nhello world, Hello World\n")
    assert build_spec(after_commas.header, after_commas.rows, "").rows[0][1].value == "Hello World"
    # Wider padding in a padded file is dropped with a note that says how to keep it; quotes keep it.
    wide = table(tmp_path, "wide.csv", b'name, expected\n   tom, Tom\n"  x ", X\n')
    assert build_spec(wide.header, wide.rows, "").rows[0][0][0].value == "tom"
    assert build_spec(wide.header, wide.rows, "").rows[1][0][0].value == "  x "
    assert any("row 1, column 'name': '   tom'" in note and "double quotes" in note for note in wide.notes)
    # Numbers, truth values and literals are not text for their spaces; a number padded inside
    # quotes is (probe 5: amounts lined up on the right, "      5.00", were read as 5.0).
    plain = table(tmp_path, "numbers.csv", b"x,flag,expected\n  7 ,  true,[1]  \n")
    assert plain.rows == [["  7 ", "  true", "[1]  "]]
    aligned = table(tmp_path, "aligned.csv", b'amount,expected\n5,"      5.00"\n12.5,"     12.50"\n')
    spec = build_spec(aligned.header, aligned.rows, "")
    assert [e.value for _, e in spec.rows] == ["      5.00", "     12.50"] and spec.return_type == "str"


def test_numbers_as_typesetting_and_other_locales_write_them_are_numbers(tmp_path):
    """Probe 5: a minus sign (U+2212) or a no-break space between thousands (French Excel) made the
    cell text, and with it every number of its column."""
    celsius = table(tmp_path, "c.csv", "Température (°C);expected\n\u22123;26,6\n0;32\n\u201310,5;13,1\n".encode())
    spec = build_spec(celsius.header, celsius.rows, "")
    assert [(inputs[0].value, expected.value) for inputs, expected in spec.rows] == [(-3, 26.6), (0, 32), (-10.5, 13.1)]
    assert spec.param_types == ["float"] and spec.rows[0][0][0].text == "\u22123"  # shown as written
    prices = table(tmp_path, "p.csv", "Prix HT;expected\n1\u202f250,00;1\u00a0500,00\n89,90;107,88\n".encode())
    spec = build_spec(prices.header, prices.rows, "")
    assert [expected.value for _, expected in spec.rows] == [1500.0, 107.88] and spec.decimals == 2
    # Text that only looks like it stays text: a dash alone, digits in groups of two.
    assert build_spec(["code", "expected"], [["\u2212", "a"], ["1\u202f25", "b"]], "").param_types == ["str"]


def test_what_spreadsheets_put_around_a_table_is_left_out(tmp_path):
    """Probe 5: each of these was refused with "the last column must be named 'expected'"."""
    for name, data in [
        ("tab.csv", b"hours\trate\texpected\t\n8\t10\t80\t\n2\t10.5\t21\t\n"),  # copied cells end in a tab
        ("comma.csv", b"hours,rate,expected,\n8,10,80,\n2,10.5,21,\n"),  # Excel's formatted empty column
        ("title.csv", b"Pay for the week,,\n\nhours,rate,expected\n8,10,80\n2,10.5,21\n"),
        ("title_semicolons.csv", b"Pay for the week\nhours;rate;expected\n8;10;80\n2;10,5;21\n"),
        ("named.csv", b"hours,rate,Expected pay\n8,10,80\n2,10.5,21\n"),
    ]:
        read = table(tmp_path, name, data)
        spec = build_spec(read.header, read.rows, "")
        assert spec.params == ["hours", "rate"] and [e.value for _, e in spec.rows] == [80, 21], name
    assert table(tmp_path, "title.csv", b"Pay,,\nhours,rate,expected\n8,10,80\n").notes == [
        "'Pay', above the column names, is read as a title"
    ]


@pytest.mark.parametrize(
    "header,says",
    [
        (
            ["length", "width", "expected", "notes"],
            r"the outputs must be in the last column, named 'expected'. 'expected' is named so but the columns 'notes' follow",
        ),
        (  # an input named as outputs would be: the advice must not be to delete the answers (probe 7)
            ["Borrowed on", "Expected return", "Returned on", "Late fee"],
            r"if it is an input, give it a name that does not start with 'expected' and name the outputs' column",
        ),
        (["First", "Expected first", "Expected last"], r"both name outputs, and a function gives one value"),
        (["price", "qty", "price*qty"], r"the last column, 'price\*qty': if it holds the outputs, name it 'expected'"),
        (["Full name", "First name", "Last name"], r"two outputs go in one cell, as a list"),
    ],
)
def test_a_header_without_an_outputs_column_last_is_refused_in_its_own_words(header, says):
    with pytest.raises(TableError, match=says):
        build_spec(header, [["1"] * len(header)], "")


def test_none_true_and_false_in_a_column_of_text_are_words(tmp_path):
    """Probe 5: an allergy of "None" was Python's None, and the column's type `object`."""
    allergies = table(tmp_path, "a.csv", b"allergy,expected\npeanuts,High\nNone,None\nlactose,Low\n")
    spec = build_spec(allergies.header, allergies.rows, "")
    assert spec.rows[1][0][0].value == "None" and spec.rows[1][1].value == "None"
    assert (spec.param_types, spec.return_type) == (["str"], "str")
    assert "read as words (row 2, column 'allergy'; row 2, column 'expected')" in allergies.notes[0]
    # A column of truth values stays one, and JSON's null stays None.
    flags = table(tmp_path, "f.csv", b"n,expected\n17,false\n18,TRUE\n")
    assert [e.value for _, e in build_spec(flags.header, flags.rows, "").rows] == [False, True]
    middle = table(
        tmp_path, "m.json", b'[{"name": "Ann Lee", "expected": null}, {"name": "Ann Marie Lee", "expected": "Marie"}]'
    )
    assert build_spec(middle.header, middle.rows, "").rows[0][1].value is None


def test_tables_pasted_from_a_chat_or_lined_up_with_spaces_read_as_rows():
    """Probe 6: a Markdown table and one lined up with spaces were refused for a last column "not
    named 'expected'", which their header named."""
    markdown = table_from_text("| word | expected |\n|---|:---:|\n| cat | cats |\n| box | boxes |\n", "the chat")
    assert (markdown.header, markdown.rows) == (["word", "expected"], [["cat", "cats"], ["box", "boxes"]])
    spaced = table_from_text("word      expected\nnew york  New York\ncat       Cat\n", "the paste")
    assert (spaced.header, spaced.rows) == (["word", "expected"], [["new york", "New York"], ["cat", "Cat"]])
    with pytest.raises(UserError, match="no commas, semicolons or tabs separate the cells"):
        table_from_text("word expected\ncat cats\nthe box boxes\n", "the paste")


def test_a_total_row_and_accents_written_apart_read_as_a_person_means():
    totals = table_from_text("Price,Qty,expected\n2.50,4,10.00\n1.00,13,13.00\nTotal,17,23.00\n", "sheet.csv")
    assert totals.rows == [["2.50", "4", "10.00"], ["1.00", "13", "13.00"]]
    assert any("is read as a total, not an example" in note for note in totals.notes)
    decomposed = table_from_text("name,expected\nZoe\u0308,3\nAl,2\n", "names.csv")
    spec = build_spec(decomposed.header, decomposed.rows, "letters")
    assert spec.rows[0][0][0].value == "Zo\u00eb" and len(spec.rows[0][0][0].value) == 3
    assert any("one letter" in note for note in decomposed.notes)


def test_an_empty_cell_read_as_empty_text_shows_as_quotes_in_messages():
    from core.modes.example_cells import shown_inputs

    # Probe 6: "it returned ')', expected " ended with nothing, and "has_customer_paid() -> ..."
    # showed an empty input as no input at all.
    spec = build_spec(["code", "expected"], [["A1", ""], ["B2", "two"]], "name of a code")
    assert spec.tests.splitlines()[-2].endswith('''+ "\'\'"''')
    cells = build_spec(["word", "paid", "expected"], [["a", "", "no"], ["b", "yes", "yes"]], "paid").rows[0][0]
    assert shown_inputs(cells) == "a, ''"


def test_a_plus_sign_before_an_answer_is_part_of_the_text():
    # Probe 6: "+447700900123" was read as the int 447700900123, "+2" as 2.
    phones = build_spec(["phone", "expected"], [["07700 900123", "+447700900123"], ["020 7946", "+44207946"]], "intl")
    assert phones.return_type == "str" and phones.rows[0][1].value == "+447700900123"
    goals = build_spec(["for", "against", "expected"], [["3", "1", "+2"], ["1", "2", "-1"], ["2", "2", "0"]], "diff")
    assert [expected.value for _, expected in goals.rows] == ["+2", "-1", "0"]
    inputs = build_spec(["x", "expected"], [["+3", "4"], ["1", "2"]], "plus one")  # an input's + is a sign
    assert inputs.param_types == ["int"] and inputs.rows[0][0][0].value == 3
