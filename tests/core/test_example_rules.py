"""Tables of examples as the eleventh to fourteenth probes had them, and the rules made for them
kept out of the tables they do not fit: thousands dots, examples one a line with bullets, numbers
and an e-mail around them, notes under a table, a web page's footnote marks, PDFs, remarks in
brackets, whole numbers beside words, and pastes too large to read."""

import json

import pytest

from core.modes.example_cells import ExamplesError
from core.modes.examples import build_spec
from core.user_error import UserError
from tests.pasted_tables import spec_of, values


def test_amounts_in_excels_accounting_format_lose_its_padding():
    # Copied from Excel, an accounting format pads each amount on both sides and writes zero as a
    # dash: the padding is the format's, not the amount's.
    table, spec = spec_of(
        "price\tqty\texpected\n $ 1,250.00 \t2\t $ 2,500.00 \n $ -   \t3\t $ -   \n $ 10.00 \t1\t $ 10.00 \n"
    )
    assert values(spec) == [(["$ 1,250.00", 2], "$ 2,500.00"), (["$ -", 3], "$ -"), (["$ 10.00", 1], "$ 10.00")]
    assert "spaces around cells are read as layout" in table.notes[0]
    # A name typed with a space at its end, in a file with no padding, keeps it.
    _, spec = spec_of("name\tprice\texpected\nAnne \t$5\t5\n")
    assert values(spec) == [(["Anne ", "$5"], 5)]


def test_a_thousands_dot_alone_in_a_file_of_decimal_commas_is_a_thousands_dot():
    # Where the file's decimal mark is the comma (semicolons between cells), 3.250 is 3250 (probe
    # 10) in a column where every number with a dot is written so; beside 0.750 or 2.5 the dot is a
    # decimal point, and network addresses and dates are no numbers (probe 12).
    table, spec = spec_of("Betrag;expected\n3.250;3.575\n1.250,50;1.375,55\n12,5;13,75\n")
    assert values(spec) == [([3250], 3575), ([1250.5], 1375.55), ([12.5], 13.75)]
    _, spec = spec_of("Einwohner;expected\n3.250.000;groß\n12.000;klein\n")
    assert values(spec) == [([3250000], "groß"), ([12000], "klein")]
    _, spec = spec_of("Stadt;Einwohner;expected\nJena;110.731;groß\nWeimar;65.138;mittel\n")
    assert values(spec) == [(["Jena", 110731], "groß"), (["Weimar", 65138], "mittel")]
    _, spec = spec_of("Stück;Expected\n1.200;100\n36;3\n")
    assert values(spec) == [([1200], 100), ([36], 3)]
    _, spec = spec_of("km;Expected\n1.250;1250\n0.750;750\n")
    assert values(spec) == [([1.25], 1250), ([0.75], 750)]
    _, spec = spec_of("Gewicht;expected\n1.250;2.5\n0.5;1.0\n")
    assert values(spec) == [([1.25], 2.5), ([0.5], 1.0)]
    _, spec = spec_of("Betrag;Satz;Expected\n100.00;0.081;108.10\n49.90;0.026;51.20\n")
    assert values(spec) == [([100.0, 0.081], 108.1), ([49.9, 0.026], 51.2)]
    _, spec = spec_of("IP;Expected\n192.168.100.200;private\n8.8.8.8;public\n")
    assert values(spec) == [(["192.168.100.200"], "private"), (["8.8.8.8"], "public")]
    _, spec = spec_of("Datum;expected\n12.03.2024;Dienstag\n")
    assert values(spec) == [(["12.03.2024"], "Dienstag")]


def test_examples_one_a_line_in_an_email_with_bullets_numbers_and_an_empty_answer():
    # Probe 11: an e-mail's greeting and sign-off around the examples, bullets or numbers before
    # each, and an arrow with nothing after it for empty text.
    table, spec = spec_of(
        "Hi Sam,\n\nhere are some examples:\n\nhello world => Hello World\nthe fox => The Fox\n\nThanks!\nMaria\n"
    )
    assert values(spec) == [(["hello world"], "Hello World"), (["the fox"], "The Fox")]
    assert "'Thanks! Maria', below the table, is read as a signature and left out" in table.notes
    table, spec = spec_of("• 5 → odd\n• 8 → even\n• -3 → odd\n")
    assert values(spec) == [([5], "odd"), ([8], "even"), ([-3], "odd")]
    assert "the bullets or numbers before the examples are left out" in table.notes
    _, spec = spec_of("Example 1: 3 -> 9\nExample 2: 4 -> 16\n")
    assert values(spec) == [([3], 9), ([4], 16)]
    _, spec = spec_of("1) 3 -> 9\n2) 4 -> 16\n")
    assert values(spec) == [([3], 9), ([4], 16)]
    # Numbers that do not count 1, 2, 3 are the inputs' own; "-5" is a number, "- 5" a bullet.
    _, spec = spec_of("2. 5 -> x\n7. 1 -> y\n")
    assert values(spec) == [(["2. 5"], "x"), (["7. 1"], "y")]
    _, spec = spec_of("-5 -> 5\n-3 -> 3\n")
    assert values(spec) == [([-5], 5), ([-3], 3)]
    _, spec = spec_of("- 5 -> odd\n- -8 -> even\n")
    assert values(spec) == [([5], "odd"), ([-8], "even")]
    _, spec = spec_of("apple -> APPLE\nkiwi -> \nfig -> FIG\n")
    assert values(spec) == [(["apple"], "APPLE"), (["kiwi"], ""), (["fig"], "FIG")]
    # An example that starts as a sign-off does is an example.
    _, spec = spec_of("hello -> HELLO\n\nthanks -> THANKS\n")
    assert values(spec) == [(["hello"], "HELLO"), (["thanks"], "THANKS")]


def test_what_a_web_page_or_a_sheet_puts_in_and_around_cells_after_probe_11():
    # A note under the table, after an empty line: left out, said.
    table, spec = spec_of("Price,Expected\n10,11.9\n20,23.8\n\n* prices incl. VAT\n")
    assert values(spec) == [([10], 11.9), ([20], 23.8)]
    assert table.notes == ["'* prices incl. VAT', below the table, is left out"]
    with pytest.raises(ExamplesError, match="has 1 cells"):  # a row that lost its separator is no note
        spec_of("Price,Expected\n10,11.9\n\n20,23.8\n30\n")
    # Wikipedia's footnote marks in some cells of a column, and a no-break space at a cell's edge.
    table, spec = spec_of("Country\tExpected\nFrance\tParis\nGermany[a]\tBerlin\nBolivia\u00a0\tSucre[12]\n")
    assert values(spec) == [(["France"], "Paris"), (["Germany"], "Berlin"), (["Bolivia"], "Sucre")]
    assert "2 footnote mark(s) after a word" in table.notes[-1]
    _, spec = spec_of("expr\texpected\nxs[1]\t2\nys[a]\t3\n")  # every cell so: the brackets are the data's
    assert values(spec) == [(["xs[1]"], 2), (["ys[a]"], 3)]
    # A remark in brackets is text; words in a list without quotes are refused saying how to write them.
    _, spec = spec_of("Title,Expected\n(cancelled),\nLunch,Lunch\n[draft] notes,notes\n")
    assert values(spec) == [(["(cancelled)"], ""), (["Lunch"], "Lunch"), (["[draft] notes"], "notes")]
    with pytest.raises(ExamplesError, match=r"text inside goes in quotes: \['apple', 'banana'\]"):
        spec_of('fruits,expected\n"[apple, banana]",2\n')
    # Part numbers written like exponents, beside text, are codes.
    _, spec = spec_of("Part,Expected\n1E3,exponent\n12E5,exponent\nABC,plain\n")
    assert values(spec) == [(["1E3"], "exponent"), (["12E5"], "exponent"), (["ABC"], "plain")]


def test_a_table_copied_from_a_pdf_one_cell_a_line_is_read_by_its_column_names():
    table, spec = spec_of("Word\nExpected\nlevel\nTrue\nhello\nFalse\n")
    assert values(spec) == [(["level"], True), (["hello"], False)]
    assert table.notes == ["each line holds one cell, as a table copied from a PDF does: every 2 lines are a row"]
    _, spec = spec_of("a\nb\nexpected\n1\n2\n3\n4\n5\n9\n")
    assert values(spec) == [([1, 2], 3), ([4, 5], 9)]
    with pytest.raises(UserError, match="no commas, semicolons or tabs separate the cells"):
        spec_of("Word\nExpected\nlevel\nTrue\nhello\n")  # a cell short: no guess


def test_the_rules_of_probes_10_and_11_keep_out_of_tables_they_do_not_fit():
    """Probe 12: each of these was misread or refused by a rule made for another table."""
    _, spec = spec_of("a,b,Expected\n1,4,0.25\n1,40000,2.5e-05\n1,0,undefined\n")  # a number in e-notation
    assert values(spec) == [([1, 4], 0.25), ([1, 40000], 2.5e-05), ([1, 0], "undefined")]
    _, spec = spec_of("Value,Expected\n1E3,1000\n2.5,2.5\n")  # alone, numbers (probe 13)
    assert values(spec) == [([1000.0], 1000), ([2.5], 2.5)]
    _, spec = spec_of("1. Introduction -> 1-introduction\n2. Setup -> 2-setup\n")  # the answer repeats the number
    assert values(spec) == [(["1. Introduction"], "1-introduction"), (["2. Setup"], "2-setup")]
    _, spec = spec_of("a) 3 -> 9\nb) 4 -> 16\nc) 10 -> 100\n")  # items lettered a, b, c
    assert values(spec) == [([3], 9), ([4], 16), ([10], 100)]
    table, spec = spec_of(
        "Hi Sam,\nplease write it.\nHere are some examples:\n\nAda Lovelace -> A.L.\nAlan Turing -> A.T.\n"
    )
    assert values(spec) == [(["Ada Lovelace"], "A.L."), (["Alan Turing"], "A.T.")]
    table, spec = spec_of("3 -> 9\n4 -> 16\n\nNegative numbers should work too.\n")
    assert values(spec) == [([3], 9), ([4], 16)]
    assert "'Negative numbers should work too.', below the examples, is left out" in table.notes
    for signature in ("Best,\nMaria Lopez\nSenior Analyst\nACME Corp", "Get Outlook for iOS"):
        _, spec = spec_of(f"hello world -> Hello World\nthe fox -> The Fox\n\n{signature}\n")
        assert values(spec) == [(["hello world"], "Hello World"), (["the fox"], "The Fox")]
    _, spec = spec_of("English,Expected\nHello,Hallo\nGood night,Gute Nacht\n\nThanks,Danke\n")  # a row
    assert values(spec) == [(["Hello"], "Hallo"), (["Good night"], "Gute Nacht"), (["Thanks"], "Danke")]
    for note in ("\nNote: prices in EUR, incl. VAT", "* incl. VAT"):
        table, spec = spec_of(f"Price,Expected\n10,11.9\n20,23.8\n{note}\n")
        assert values(spec) == [([10], 11.9), ([20], 23.8)] and "below the table, is left out" in table.notes[-1]
    _, spec = spec_of("sym,expected\n+,plus\n*,star\n")  # a row that starts as a footnote does
    assert values(spec) == [(["+"], "plus"), (["*"], "star")]
    _, spec = spec_of("Text\tExpected\nParis[1]\tParis\nBerlin\tBerlin\n")  # taking marks off is the task
    assert values(spec) == [(["Paris[1]"], "Paris"), (["Berlin"], "Berlin")]
    _, spec = spec_of(
        "Tower\tOpened\tExpected\nEiffel Tower\t1889[2]\t135\nCN Tower\t1976\t48\nBurj Khalifa[a][3]\t2010\t14\n"
    )
    assert values(spec) == [(["Eiffel Tower", 1889], 135), (["CN Tower", 1976], 48), (["Burj Khalifa", 2010], 14)]
    _, spec = spec_of('Title,Expected\nLunch,Lunch\n"(cancelled, see email)",\n')
    assert values(spec) == [(["Lunch"], "Lunch"), (["(cancelled, see email)"], "")]
    with pytest.raises(ExamplesError, match="looks like a tuple"):
        spec_of('person,expected\n"(Alice, 30)",1\n')  # a tuple without its quotes


def test_a_paste_too_wide_or_too_long_is_refused_at_once():
    # Probe 12: a row of 50,000 cells took 3 s and 200,000 took 51 s before any refusal; 100,000
    # rows took 4 s to be refused for more than 2,000 examples.
    with pytest.raises(UserError, match="a row holds 50,001 cells: keep at most 200 inputs"):
        spec_of("a," * 50_000 + "expected\n" + "1," * 50_000 + "2\n")
    with pytest.raises(UserError, match="holds 100,001 lines"):
        spec_of("n,expected\n" + "1,2\n" * 100_000)


def test_the_rules_of_probe_12_keep_out_of_tables_they_do_not_fit():
    """Probe 13: each of these was misread or refused by a rule made in the round before."""
    _, spec = spec_of("Gallons;Price;Expected\n12.5;3.459;43.24\n10;3.899;38.99\n")  # 12.5: decimal points
    assert values(spec) == [([12.5, 3.459], 43.24), ([10, 3.899], 38.99)]
    _, spec = spec_of("Datum;Betrag;Expected\n12.03.2024;1.250;x\n01.04.2024;3.500;y\n")  # a date is no decimal
    assert values(spec) == [(["12.03.2024", 1250], "x"), (["01.04.2024", 3500], "y")]
    _, spec = spec_of("IP;Expected\n192.168.001.010;private\n203.000.113.195;public\n")
    assert values(spec) == [(["192.168.001.010"], "private"), (["203.000.113.195"], "public")]
    _, spec = spec_of("1. January -> 1\n2. February -> 2\n3. March -> 3\n")  # the answer is no repeat
    assert values(spec) == [(["January"], 1), (["February"], 2), (["March"], 3)]
    _, spec = spec_of("1. [3, 1, 2] -> [1, 2, 3]\n2. [2, 1] -> [1, 2]\n")
    assert values(spec) == [([[3, 1, 2]], [1, 2, 3]), ([[2, 1]], [1, 2])]
    _, spec = spec_of("1. Introduction -> Introduction\n2. Summary -> Summary\n")  # the number is the task
    assert values(spec) == [(["1. Introduction"], "Introduction"), (["2. Summary"], "Summary")]
    _, spec = spec_of("Item, Price, Expected\nApples, 0.50, 1.00\n* Oat milk, 2.49, 4.98\n")  # a row
    assert len(spec.rows) == 2 and spec.rows[1][0][0].value == "* Oat milk"
    table, spec = spec_of("Price,Expected\n10,11.9\n20,23.8\n\n¹ incl. VAT, excl. shipping\n")
    assert values(spec) == [([10], 11.9), ([20], 23.8)]
    _, spec = spec_of("Text\tExpected\nParis[1]\t1\nBerlin\tNone\n")  # the mark's number is the answer
    assert spec.rows[0][0][0].value == "Paris[1]"
    _, spec = spec_of("Cell,Expected\nscores[0],first score\ntotal,the total\nscores[1],second score\n")
    assert [inputs[0].value for inputs, _ in spec.rows] == ["scores[0]", "total", "scores[1]"]
    table, spec = spec_of("Country\tExpected\nBolivia[i]\tBO\nNetherlands[ii]\tNL\nFrance\tFR\n")
    assert [inputs[0].value for inputs, _ in spec.rows] == ["Bolivia", "Netherlands", "France"]
    with pytest.raises(ExamplesError, match="looks like a tuple"):
        spec_of('Place,Expected\n"(New York, 10001)",NY\n')
    _, spec = spec_of("Product\nPrice (€)\nExpected\nPen\n1.50\n1.79\n")  # a PDF's names with a symbol
    assert values(spec) == [(["Pen", 1.5], 1.79)]
    _, spec = spec_of("x,Expected\n3,9\n4,16\n" + ",\n" * 10_000)  # a spreadsheet's empty rows below
    assert values(spec) == [([3], 9), ([4], 16)]
    fractions = build_spec(["a", "b", "expected"], [["10", "2", "5"], ["7", "2", "3.5"], ["1", "0", "error"]], "")
    assert "whole_or_text(returned" not in fractions.tests  # beside 3.5, '5' is no answer


def test_the_rules_of_probe_13_keep_out_of_tables_they_do_not_fit():
    """Probe 14: each of these was misread or refused by a rule made in the round before."""
    for other in (
        "Uhrzeit;Besucher;Expected\n08.30;1.200;ruhig\n12.15;4.750;voll\n",  # a time beside
        "Version;Besucher;Expected\n2.1;1.200;a\n2.2;4.750;b\n",
    ):  # a version beside
        _, spec = spec_of(other)
        assert [inputs[1].value for inputs, _ in spec.rows] == [1200, 4750]
    _, spec = spec_of("1. 60 minutes -> 1 hour\n2. 150 minutes -> 2.5 hours\n")
    assert values(spec) == [(["60 minutes"], "1 hour"), (["150 minutes"], "2.5 hours")]
    for note in ("* incl. VAT, excl. shipping", "\n(1) incl. VAT, excl. shipping"):  # text where numbers are
        table, spec = spec_of(f"Price, Expected\n10, 11.90\n20, 23.80\n{note}\n")
        assert values(spec) == [([10], 11.9), ([20], 23.8)] and "below the table, is left out" in table.notes[-1]
    table, spec = spec_of("City\tYear\tExpected\nAthens[a]\t1896\tGRE\nParis\t1900\tFRA\nParis[b]\t1924\tFRA\n")
    assert [inputs[0].value for inputs, _ in spec.rows] == ["Athens", "Paris", "Paris"]
    with pytest.raises(ExamplesError, match=r"if it is one text, write it in quotes: '\(sold out, 90,000 tickets\)'"):
        spec_of('Event,Notes,Expected\nGig,"(sold out, 90,000 tickets)",no\n')
    _, spec = spec_of("City\nTemp (°C)\nExpected\nOslo\n-3\ncold\n")  # a PDF's name with a degree sign
    assert values(spec) == [(["Oslo", -3], "cold")]


def test_a_review_of_the_surroundings_rules():
    # A last row that starts with '*' and has an empty cell is a row; pretty-printed JSON of 1,500
    # examples is no "10,000 lines"; a signature may hold a phone number under the name.
    _, spec = spec_of("pattern,file,expected\n*.py,a.py,True\nb*,c,False\n*,,True\n")
    assert values(spec)[-1] == (["*", ""], True)
    table, spec = spec_of(json.dumps([{"x": i, "expected": 2 * i} for i in range(1500)], indent=2))
    assert len(spec.rows) == 1500
    table, spec = spec_of("Postcode,expected\nSW1A 1AA,London\n\nBest regards,\nMaria\n+44 20 7946 0958\n")
    assert values(spec) == [(["SW1A 1AA"], "London")] and "read as a signature" in table.notes[0]


def test_a_recipes_fractions_are_numbers_and_a_table_of_conditions_is_refused():
    # Probe 15: "½" beside 2 was text beside a number; ">= 90" made a function of the text ">= 90".
    _, spec = spec_of("Cups,Expected\n½,60\n2,240\n1¾,210\n")
    assert values(spec) == [([0.5], 60), ([2], 240), ([1.75], 210)] and spec.param_types == ["float"]
    with pytest.raises(UserError, match=r"column 'Score' holds conditions \('>= 90'\), a rule's"):
        spec_of("Score,Expected grade\n>= 90,A\n< 90,B\n")


def test_tables_drawn_by_a_console_a_box_or_pandas_and_a_pages_footer_are_read():
    # Probe 16: each was refused saying that no separator stood between the cells.
    rows = [(["Ann", 30], "adult"), (["Tom", 12], "child")]
    psql = " name | age | expected\n------+-----+----------\n Ann  |  30 | adult\n Tom  |  12 | child\n(2 rows)\n"
    table, spec = spec_of(psql)
    assert values(spec) == rows and table.notes == ["'(2 rows)': printed around the table, left out"]
    mysql = "+------+-----+----------+\n| name | age | expected |\n+------+-----+----------+\n"
    mysql += (
        "| Ann  |  30 | adult    |\n| Tom  |  12 | child    |\n+------+-----+----------+\n2 rows in set (0.00 sec)\n"
    )
    assert values(spec_of(mysql)[1]) == rows
    box = "┌──────┬─────┬──────────┐\n│ name │ age │ expected │\n├──────┼─────┼──────────┤\n"
    box += (
        "│ Ann  │  30 │ adult    │\n├──────┼─────┼──────────┤\n│ Tom  │  12 │ child    │\n└──────┴─────┴──────────┘\n"
    )
    assert values(spec_of(box)[1]) == rows
    table, spec = spec_of("Here are the examples:\n\n" + box + "Hope this helps!\n")  # a chat's prose around it
    assert values(spec) == rows and "'Here are the examples: Hope this helps!', around" in table.notes[0]
    table, spec = spec_of("   price  qty  expected\n0   1.50    2       3.0\n1  12.00    1      12.0\n")
    assert values(spec) == [([1.5, 2], 3.0), ([12.0, 1], 12.0)] and "a printed index" in table.notes[0]
    pdf = "Product   Price   Expected total\nPen        1.50             3.00\n\n        Page 1 of 2\nBook      12.00            12.00\n"
    assert [inputs for inputs, _ in values(spec_of(pdf)[1])] == [["Pen", 1.5], ["Book", 12.0]]
    # Not drawn: a row of '-' and '+' cells, and a first column that is data, not a running index.
    _, spec = spec_of("| sign | expected |\n|---|---|\n| + | 1 |\n| - | -1 |\n")
    assert values(spec) == [(["+"], 1), (["-"], -1)]
    with pytest.raises(UserError, match="no commas, semicolons or tabs"):  # 3, 5: not an index
        spec_of("   x  expected\n3   1   4\n5   2   7\n")


def test_yes_and_no_beside_1_and_0_ranges_among_conditions_and_a_sideways_table():
    # Probe 16: yes, 1, no, 0 made a column of mixed types; "80-89" beside ">= 90" let a table of
    # rules through; a table turned sideways was refused with advice that made it one example.
    _, spec = spec_of("Member,Expected price\nyes,8\n1,8\nno,10\n0,10\n")
    assert values(spec) == [(["yes"], 8), (["1"], 8), (["no"], 10), (["0"], 10)] and spec.param_types == ["str"]
    _, spec = spec_of("x,expected\nten,10\n3,3\n")  # words that are not yes or no: the numbers stay numbers
    assert values(spec) == [(["ten"], 10), ([3], 3)]
    with pytest.raises(UserError, match=r"column 'Score' holds conditions"):
        spec_of("Score,Expected grade\n>= 90,A\n80-89,B\n< 80,C\n")
    _, spec = spec_of("Pages,expected\n10-20,11\n3-4,2\n")  # ranges alone are inputs
    assert values(spec) == [(["10-20"], 11), (["3-4"], 2)]
    for sideways in (
        "Input,2,3,4,10\nExpected square,4,9,16,100\n",
        "Input,2,3,4,expected\nExpected square,4,9,16,100\n",
    ):
        with pytest.raises(UserError, match=r"the column names 2, 3, 4.* are numbers: .* turn the table"):
            spec_of(sideways)
    _, spec = spec_of("2023,2024,expected\n100,110,10\n90,99,10\n")  # years as names, several rows: read
    assert spec.params == ["x_2023", "x_2024"]


def test_the_rules_of_probe_16_keep_out_of_tables_they_do_not_fit():
    # The review: each of these read as it did before probe 16's rules.
    _, spec = spec_of("Book\nexpected\nPage 1\n1\nPage 2\n2\n")  # 'Page 2' alone is a cell, not a page's footer
    assert values(spec) == [(["Page 1"], 1), (["Page 2"], 2)]
    box = "+------+----------+\n| name | expected |\n+------+----------+\n| Ann  | adult    |\n+------+----------+\n"
    _, spec = spec_of("Columns: name | expected\n" + box)  # prose with a pipe above a box
    assert values(spec) == [(["Ann"], "adult")]
    _, spec = spec_of("2023,2024,expected\n100,110,10\n")  # one example, years as names
    assert values(spec) == [([100, 110], 10)]
    _, spec = spec_of("rating,expected\n4+,4\n12+,12\n")  # age ratings, no conditions
    assert values(spec) == [(["4+"], 4), (["12+"], 12)]
    with pytest.raises(UserError, match="no commas, semicolons or tabs"):  # typed, not a pandas print
        spec_of("n sq  expected\n0  0  0\n1  1  2\n2  4  6\n")


def test_probe_17_grid_cells_over_lines_spaced_rules_jira_and_a_numbering_column():
    rows = [(["Ann", 30], "adult"), (["Tom", 12], "child")]
    # A cell over two lines in a grid drawn with a rule between rows: one example, not two.
    grid = "+------+-----------+\n| Name | Expected  |\n+======+===========+\n| Ann  | Dear Ann, |\n"
    grid += "|      | welcome!  |\n+------+-----------+\n| Tom  | Hi Tom    |\n+------+-----------+\n"
    assert values(spec_of(grid)[1]) == [(["Ann"], "Dear Ann, welcome!"), (["Tom"], "Hi Tom")]
    # SQL Server's and reStructuredText's rules of dashes or '=' apart, and SQL Server's footer.
    sql = "name  age  expected\n----- ---- --------\nAnn   30   adult\nTom   12   child\n\n(2 rows affected)\n"
    assert values(spec_of(sql)[1]) == rows
    rst = "=====  ===  ========\nname   age  expected\n=====  ===  ========\nAnn    30   adult\nTom    12   child\n=====  ===  ========\n"
    assert values(spec_of(rst)[1]) == rows
    assert values(spec_of("||name||age||expected||\n|Ann|30|adult|\n|Tom|12|child|\n")[1]) == rows  # Jira
    # A first column that only numbers the examples is left out; one named so that holds other numbers is not.
    table, spec = spec_of("Example,Word,Expected\nExample 1,cat,3\nExample 2,house,5\n")
    assert values(spec) == [(["cat"], 3), (["house"], 5)] and "numbers the examples" in table.notes[0]
    assert values(spec_of("#,x,expected\n1,5,25\n2,3,9\n")[1]) == [([5], 25), ([3], 9)]
    assert values(spec_of("No.,x,expected\n1,5,25\n3,3,9\n")[1]) == [([1, 5], 25), ([3, 3], 9)]
    assert values(spec_of("Jahr,Expected leap year\n2024,VERDADEIRO\n2023,FALSO\n")[1]) == [
        ([2024], True),
        ([2023], False),
    ]
    # Answers written as JSON (true, false, null) are the dicts they write.
    _, spec = spec_of('password\texpected\nabc\t{"valid": false, "reason": null}\nLongPassw0rd\t{"valid": true}\n')
    assert values(spec) == [(["abc"], {"valid": False, "reason": None}), (["LongPassw0rd"], {"valid": True})]
