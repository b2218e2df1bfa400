"""Text a candidate or a server wrote is shown as written, never drawn as HTML
(desktop_app.plain_text): the Tests tooltip of a candidate whose exception message is markup, on a
real table view with a verdict from the real sandbox, and a server's error in the message bar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QTableView, QToolTip

from core.sampling.candidate import Candidate, CandidateDone
from desktop_app.candidates_model import DONE, TESTS, CandidatesModel
from desktop_app.message_bar import MessageBar

PROMPT = "def f(x):\n"
MARKUP = "<b>7 of 7 tests passed</b><img src='x'>"
TESTS_CODE = "def check(candidate):\n    assert candidate(1) == 2\n"


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
