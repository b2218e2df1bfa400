"""Text a candidate or a server wrote is shown as written, never drawn as HTML
(desktop_app.plain_text): the Tests tooltip of a candidate whose exception message is markup, on a
real table view with a verdict from the real sandbox, and a server's error in the message bar.
Characters that reorder or hide what is read ("Trojan Source" bidi controls, zero-width
characters, control characters) are shown as escapes in every view of a candidate, while copies
keep the exact text (core.displayable)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument, QTextOption
from PySide6.QtWidgets import QApplication, QTableView, QToolTip

from core.displayable import displayable
from core.sampling.candidate import Candidate, CandidateDone
from desktop_app.branch import Branch, branch_at
from desktop_app.candidate_details import outcome_text
from desktop_app.candidates_model import DONE, PROGRAM, TESTS, CandidatesModel
from desktop_app.message_bar import MessageBar
from desktop_app.token_heat_view import TokenHeatView
from tests.hidden_characters import hidden

PROMPT = "def f(x):\n"
MARKUP = "<b>7 of 7 tests passed</b><img src='x'>"
TESTS_CODE = "def check(candidate):\n    assert candidate(1) == 2\n"
# Trojan Source: a right-to-left override and isolates make the line read as a comment followed by
# a plain return, a zero-width space hides in a name, and a carriage return and ESC sit in a string.
TROJAN_TOKENS = [
    "    is_admin",
    " = False",
    "  # \u202e }\u2066",
    "if is_admin\u2069\u2066",
    " return\u200b",
    " '\r\x1b[2K'\n",
]
TROJAN = "".join(TROJAN_TOKENS)


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def shown(html: str) -> str:
    """What a reader sees of rich text."""
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def test_a_candidates_exception_message_is_read_not_drawn(qtbot, pool):
    from sandbox import Program

    body = f"    raise AssertionError({MARKUP!r})\n"
    result = pool.submit(Program(PROMPT, body, TESTS_CODE, "f")).result()
    assert MARKUP in result.human_eval_result  # the candidate's own words, as the sandbox reports them
    model = CandidatesModel()
    model.apply([CandidateDone(Candidate(0, body, body, [1], [-0.5], "stop", tokens=[body]))])
    model.set_test(0, DONE, result)
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(900, 200)
    view.show()
    qtbot.waitExposed(view)
    cell = view.visualRect(model.index(0, TESTS)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, cell, view.viewport().mapToGlobal(cell))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert "&lt;b&gt;" in QToolTip.text()
    assert shown(QToolTip.text()) == result.human_eval_result
    QToolTip.hideText()


def test_a_servers_error_in_the_message_bar_is_plain_text(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    message = f"The server answered 500: {MARKUP}"
    bar.error(message)
    assert bar.label.textFormat() == Qt.TextFormat.PlainText
    assert bar.text() == message


def trojan_candidate() -> Candidate:
    return Candidate(
        0,
        TROJAN,
        TROJAN,
        list(range(len(TROJAN_TOKENS))),
        [-0.5] * len(TROJAN_TOKENS),
        "stop",
        tokens=list(TROJAN_TOKENS),
        top_logprobs=[[(" x", -1.0)] for _ in TROJAN_TOKENS],
    )


def test_the_token_view_shows_hidden_characters_and_keeps_its_tokens_and_branch_mark(qtbot):
    heat = TokenHeatView()
    qtbot.addWidget(heat)
    candidate = trojan_candidate()
    position = 3
    heat.show_candidate(PROMPT, candidate, branch_at(candidate, position, " x"))
    text = heat.toPlainText()
    assert hidden(text) == [] and "\\u202e" in text and "\\u200b" in text and "\\u001b[2K" in text
    # Each token starts where its escaped piece is, so a click on a token still finds it.
    assert heat.shown_tokens == len(TROJAN_TOKENS)
    starts = []
    for i in range(len(TROJAN_TOKENS)):
        heat.select_token(i)
        starts.append(heat.textCursor().position())
        assert heat.token_at(starts[-1]) == i
    ends = [*starts[1:], len(text)]
    assert [text[a:b] for a, b in zip(starts, ends)] == [displayable(piece) for piece in TROJAN_TOKENS]
    # The branch mark sits where the escaped text of the kept tokens ends, not where raw offsets point.
    heat.select_token(position)
    assert heat.parting == heat.textCursor().position()


def test_a_branch_mark_inside_a_token_counts_escapes_and_wide_characters(qtbot):
    """A child's tokens may split its forced text differently from its parent's, so the point
    where the two part can fall inside a token; before it here, an override and an emoji (two
    UTF-16 units in Qt's positions)."""
    heat = TokenHeatView()
    qtbot.addWidget(heat)
    pieces = ["    is_", "admin\u202e\U0001f600 = ", "1\n"]
    text = "".join(pieces)
    child = Candidate(1, text, text, [0, 1, 2], [-0.1] * 3, "stop", tokens=pieces, top_logprobs=[[]] * 3)
    kept = "    is_admin\u202e\U0001f600"
    heat.show_candidate(PROMPT, child, Branch(parent=0, position=2, kept=kept, alternative=" "))
    shown = heat.toPlainText().encode("utf-16-le")
    assert shown[: 2 * heat.parting].decode("utf-16-le") == displayable(PROMPT + kept)


def test_the_table_and_the_outcome_show_a_candidates_hidden_characters_as_escapes(qtbot, pool):
    from sandbox import Program

    body = "    print('ok\\u202e gnissap')\n    raise AssertionError('7 of 7\\u2066 passed\\u2069')\n"
    result = pool.submit(Program(PROMPT, body, TESTS_CODE, "f")).result()
    assert "\u202e" in result.stdout_tail and "\u2066" in result.human_eval_result
    model = CandidatesModel()
    model.apply([CandidateDone(trojan_candidate())])
    model.set_test(0, DONE, result)
    assert hidden(model.index(0, PROGRAM).data()) == [] and "\\u202e" in model.index(0, PROGRAM).data()
    outcome = outcome_text(model.entries[0])
    assert hidden(outcome) == [] and "ok\\u202e gnissap" in outcome and "7 of 7\\u2066 passed" in outcome
    assert hidden(shown(model.index(0, TESTS).data(Qt.ItemDataRole.ToolTipRole))) == []
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.error(f"The server answered 500: {TROJAN}")
    assert hidden(bar.text()) == [] and "\\u202e" in bar.text()


def test_compares_code_views_show_hidden_characters_as_escapes(qtbot):
    from desktop_app.compare_tab import _code_view, _set_code

    view = _code_view(None)
    qtbot.addWidget(view)
    _set_code(view, PROMPT + TROJAN)
    assert hidden(view.toPlainText()) == [] and view.toPlainText() == displayable(PROMPT + TROJAN)


def test_code_views_lay_a_right_to_left_line_out_left_to_right_and_show_invisible_characters(qtbot):
    """Without an override, Qt would draw a line that starts with a Hebrew string right to left."""
    from desktop_app.code_editor import CodeEditor

    editor, heat = CodeEditor(), TokenHeatView()
    qtbot.addWidget(editor)
    qtbot.addWidget(heat)
    line = '"\u05e9\u05dc\u05d5\u05dd" + name\n'
    editor.setPlainText(line)
    heat.show_candidate("", Candidate(0, line, line, [0], [-0.1], "stop", tokens=[line], top_logprobs=[[]]))
    for view in (editor, heat):
        assert view.document().firstBlock().textDirection() == Qt.LayoutDirection.LeftToRight
        # What an editor holds exactly (a function taken from the examples tab, say) shows its
        # invisible characters as boxes.
        assert view.document().defaultTextOption().flags() & QTextOption.Flag.ShowDefaultIgnorables
    plain = QTextDocument()
    plain.setPlainText(line)
    assert plain.firstBlock().textDirection() == Qt.LayoutDirection.RightToLeft  # what the override prevents
