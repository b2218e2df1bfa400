"""The From-examples tab's question: the input that settles which function is meant, one button
per answer; or, once the candidates right on every example agree everywhere tried, that sentence
(or that they may only repeat the examples); or, when none is right, what to do (naming the row
they all miss alike, if there is one) and the offer of a larger catalogue model than the one loaded. Hidden while a job runs and when there is nothing to say."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from core.displayable import displayable, spelled
from core.host.snapshots import ExamplesSnapshot
from core.models import catalogue
from core.models import store as model_store
from core.modes.examples import ONE_RIGHT, ONLY_ROWS, agreed, none_right
from desktop_app.examples_text import question_text
from desktop_app.plain_text import as_html


class QuestionBox(QWidget):
    answered = Signal(int)  # the chosen answer's position among the question's answers
    larger_requested = Signal(str)  # the catalogue name of the larger model to load and run on

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model: str | None = None  # the loaded model's spec: a larger one is offered when none is right
        # It quotes the values candidates returned: plain text, never HTML (desktop_app.plain_text).
        self.label = QLabel(self, wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setStyleSheet("font-weight: bold")  # the one thing on the page that waits for the user
        self.buttons: list[QPushButton] = []
        self._answers = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._text_area = _Scrolled(self.label, self)
        layout.addWidget(self._text_area)
        layout.addLayout(self._answers)
        self.hide()

    def show_for(self, s: ExamplesSnapshot | None, running: bool) -> None:
        for button in self.buttons:
            self._answers.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        if s is None or running or s.state != "done":
            self.hide()
            return
        question, right = s.question, sum(c.all_right for c in s.candidates)
        if question is None and s.candidates and not right:
            missed = displayable(none_right([c.verdicts for c in s.candidates], [c.degenerate for c in s.candidates]))
            larger = catalogue.larger(self.model) if self.model else None
            if larger is None:  # the largest model, or a folder, a file or a server: nothing to offer
                self.label.setText(missed)
            else:
                installed = model_store.is_installed(model_store.model_dir(larger.name))
                self.label.setText(f"{missed} {catalogue.offer(larger, installed)}")
                # Short: the label names the model, and the button must fit a 1024 px window.
                button = self._add_button(
                    f"{'Load' if installed else 'Install'} it and run again",
                    lambda: self.larger_requested.emit(larger.name),
                )
                button.setToolTip(as_html(f"{larger.title}: {larger.quality}; {larger.speed}."))
        elif question is None and not s.only_rows and (not s.inputs or right < 1):
            self.hide()
            return
        elif question is None and not s.only_rows and right == 1:
            self.label.setText(ONE_RIGHT)
        elif question is None:
            self.label.setText(ONLY_ROWS if s.only_rows else agreed(s.inputs or 0, s.name, s.differs_at))
        else:
            self.label.setText(displayable(question_text(question)))
            for choice, answer in enumerate(question.answers):
                label = spelled(answer.text) if len(question.answers) > 1 else answer.text
                button = self._add_button(displayable(label), partial(self.answered.emit, choice))
                button.setToolTip(
                    as_html(f"Add the row {s.name}({question.args}) → {answer.text} and test the candidates again")
                )
        self._text_area.updateGeometry()  # its lines: another text wraps into another number
        self.show()

    def _add_button(self, text: str, pressed: Callable[[], None]) -> QPushButton:
        # A value a candidate returned: "&" would underline the next character as a shortcut.
        button = QPushButton(text.replace("&", "&&"), self)
        button.clicked.connect(lambda _checked=False: pressed())
        self._answers.addWidget(button)
        self.buttons.append(button)
        return button


class _Scrolled(QScrollArea):
    """A wrapped label that asks for all the lines its width needs and, where the window has less
    room (a narrow column at 1024x700), scrolls rather than cuts the text off."""

    def __init__(self, label: QLabel, parent: QWidget):
        super().__init__(parent)
        self.label = label
        self.setWidget(label)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:
        lines = self.label.heightForWidth(self.viewport().width())
        return QSize(super().sizeHint().width(), lines + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), 3 * self.fontMetrics().lineSpacing())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # a new width wraps the text into another number of lines
