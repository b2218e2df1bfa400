"""The tests editor: a `check(candidate)` function or plain asserts, parsed as the sandbox will
parse them, with a syntax error shown on its line before anything runs (or the reason they would
check nothing)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.modes.source_check import tests_problem
from desktop_app import theme
from desktop_app.code_editor import CodeEditor

PLACEHOLDER = "def check(candidate):\n    assert candidate(1) == 2\n\n# or plain asserts: assert f(1) == 2"


class TestsEditor(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.editor = CodeEditor(self, PLACEHOLDER)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(f"color: {theme.FAIL}; font-weight: bold")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        layout.addWidget(self.error_label)
        # Parse after a pause in typing rather than on every key.
        self._debounce = QTimer(self, singleShot=True, interval=300, timeout=self.check)
        self.editor.textChanged.connect(self._debounce.start)

    def text(self) -> str:
        return self.editor.toPlainText()

    def setPlainText(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.check()

    def check(self) -> str | None:
        """Shows and returns the syntax error message, if any."""
        problem = tests_problem(self.text()) if self.text().strip() else None
        self.editor.mark_error_line(problem[0] if problem else None)
        self.error_label.setText(problem[1] if problem else "")
        self.error_label.setVisible(problem is not None)
        return problem[1] if problem else None
