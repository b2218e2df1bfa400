"""Tables of examples as e-mails, chats and spreadsheets of other countries lay them out (a seventh
probe's tables): what is around the table is left out with a note, and each cell reads as its writer
meant it, or is refused in words that say what to change."""

import pytest

from core.modes.example_cells import ExamplesError
from core.modes.example_files import read_table
from core.modes.examples import TableError, build_spec
from tests.pasted_tables import spec_of, values


def test_what_an_email_puts_around_a_table_is_left_out_with_a_note():
    body = "Hi team,\n\nthe examples:\n\nPostcode,expected\nSW1A 1AA,London\nM1 1AE,Manchester\n\nKind regards, Maria\n"
    table, spec = spec_of(body)
    assert values(spec) == [(["SW1A 1AA"], "London"), (["M1 1AE"], "Manchester")]
    assert any("'Kind regards, Maria', below the table, is read as a signature" in n for n in table.notes)
    quoted, spec = spec_of("> name,expected\n> anne smith,Anne Smith\n> JOHN DOE,John Doe\n")
    assert values(spec) == [(["anne smith"], "Anne Smith"), (["JOHN DOE"], "John Doe")]
    assert any("starts with '>'" in n for n in quoted.notes)
    titled, spec = spec_of("Expected delivery days by region\nRegion,Express,expected\nNorth,True,1\nSouth,False,5\n")
    assert spec.params == ["region", "express"] and any("is read as a title" in n for n in titled.notes)
    repeated, spec = spec_of("Hours,Rate,expected\n8,15,120\nHours,Rate,expected\n6,30,180\n")
    assert values(spec) == [([8, 15], 120), ([6, 30], 180)] and spec.param_types == ["int", "int"]
    assert any("the column names again" in n for n in repeated.notes)


def test_chat_tables_read_without_outer_pipes_and_without_code_and_bold_marks():
    _, spec = spec_of("City | Country | expected\n--- | --- | ---\nParis | France | Paris, France\n")
    assert values(spec) == [(["Paris", "France"], "Paris, France")]
    _, spec = spec_of("| Weight | **Expected** |\n|:--:|--:|\n| `0.5` | `4.99` |\n| `2.0` | `7.49` |\n")
    assert values(spec) == [([0.5], 4.99), ([2.0], 7.49)] and spec.return_type == "float"


def test_numbers_as_other_countries_and_accounts_write_them():
    _, spec = spec_of("Betrag (CHF),expected\n1'250.50,96.29\n980.00,75.46\n")  # Swiss thousands
    assert values(spec) == [([1250.5], 96.29), ([980.0], 75.46)]
    table, spec = spec_of("länge\tbreite\texpected\n2,5\t4\t10\n3,2\t1,5\t4,8\n")  # German cells copied
    assert values(spec) == [([2.5, 4], 10), ([3.2, 1.5], 4.8)] and "decimal point" in table.notes[0]
    _, spec = spec_of('amount,expected\n"(1,250.00)",Debit\n980.00,Credit\n(45.50),Debit\n')
    assert spec.param_types == ["str"] and values(spec)[0] == (["(1,250.00)"], "Debit")  # not the tuple (1, 250.0)
    with pytest.raises(ExamplesError, match="without thousands separators"):  # lakhs, not the tuple (1, 25, 0)
        spec_of("income\texpected\n1,25,000\tlow\n")
    with pytest.raises(ExamplesError, match=r"4\.99\* has a footnote's mark"):
        spec_of("item,expected\npen,4.99*\nbook,12.00\n")
    _, spec = spec_of("bin,expected\nA12,Aisle A\n3E2,Aisle 3\n")  # a code, not 300.0
    assert values(spec)[1] == (["3E2"], "Aisle 3")
    _, spec = spec_of("montant;expected\n1 250,50;1 500,60\n980,00;1 176,00\n")  # French, plain spaces
    assert values(spec) == [([1250.5], 1500.6), ([980.0], 1176.0)]
    _, spec = spec_of("note,expected\n...,empty\nok,fine\n")  # an ellipsis is text, not Python's Ellipsis
    assert values(spec)[0] == (["..."], "empty")
    shortened, _ = spec_of("Card number,expected\n4.11111E+15,**** 1111\n")
    assert any("4.11111E+15" in n and "format the column as Text" in n for n in shortened.notes)


def test_a_list_written_plainly_as_an_answer_is_matched_as_a_list_or_a_tuple():
    _, spec = spec_of('number,expected\n12,"2, 2, 3"\n7,7\n1,0\n')
    assert values(spec) == [([12], (2, 2, 3)), ([7], 7), ([1], 0)]
    namespace: dict[str, object] = {}
    exec(spec.tests, namespace)
    factors = {12: [2, 2, 3], 7: [7], 1: 0}  # a lone value alone or as a sequence of one
    namespace["check"](lambda n: factors[n])  # lists pass
    namespace["check"](lambda n: tuple(factors[n]) if n > 1 else 0)  # and tuples
    namespace["check"](lambda n: factors[n] if n > 1 else [0])
    with pytest.raises(AssertionError):
        namespace["check"](lambda n: [2, 3] if n == 12 else factors[n])


def test_outputs_named_otherwise_and_empty_list_cells_get_their_own_advice(tmp_path):
    path = tmp_path / "order.json"
    path.write_text('[{"unit_price": 9.50, "qty": 2, "Expected": 19.00}]')
    table = read_table(path)
    assert build_spec(table.header, table.rows, "").params == ["unit_price", "qty"]
    with pytest.raises(ExamplesError, match=r"write a value, or \[\] for an empty list"):
        spec_of("words,expected\nb a,\"['a', 'b']\"\nc,\n")
    with pytest.raises(TableError, match="both name outputs"):
        spec_of("Full name,Expected first,Expected last\nAda Lovelace,Ada,Lovelace\n")


def test_what_only_looks_like_a_layout_stays_data():
    # A US thousands comma in cells copied with tabs is not taken for a decimal comma (the review).
    with pytest.raises(ExamplesError, match="without thousands separators"):
        spec_of("population\texpected\n1,250\tsmall\n3,000\tbig\n")
    _, spec = spec_of("name,expected\nAda,1\n\nBest,2\n")  # a row, not a sign-off
    assert values(spec) == [(["Ada"], 1), (["Best"], 2)]
    _, spec = spec_of("| method | expected |\n|---|---|\n| __init__ | 8 |\n")  # a name, not bold
    assert values(spec) == [(["__init__"], 8)]
    _, spec = spec_of("hotel,expected\nRitz,4*\nInn,2*\n")  # star ratings, not footnotes
    assert values(spec) == [(["Ritz"], "4*"), (["Inn"], "2*")]


def test_empty_cells_under_filled_ones_are_named_as_a_merged_cells_may_be():
    table, spec = spec_of("Category,Item,expected\nFruit,apple,FRU-APPLE\n,pear,FRU-PEAR\nVeg,leek,VEG-LEEK\n")
    assert values(spec)[1] == (["", "pear"], "FRU-PEAR")  # read as written, and said
    assert any("1 empty cell in column 'Category' (row 2) read as empty text" in n for n in table.notes)
