"""An inline message above the editors: errors never open a modal dialog, so typing goes on and
nothing the user wrote is lost."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from core.displayable import displayable
from desktop_app import theme


class MessageBar(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel(self)
        # Errors quote servers and engines: plain text, never HTML (desktop_app.plain_text), with
        # their hidden characters shown (core.displayable).
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.action_button = QPushButton(self)
        self.action_button.hide()
        self._action = None
        self.action_button.clicked.connect(self._act)
        close = QToolButton(self, text="✕", autoRaise=True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.kind = ""
        self.hide()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _show(self, kind: str, text: str, colour: str) -> None:
        self.kind = kind
        self._action = None
        self.action_button.hide()
        self.label.setText(displayable(text))
        self.setStyleSheet(
            f"MessageBar {{ border: 1px solid {colour}; border-radius: 3px }} QLabel {{ color: {colour} }}"
        )
        self.show()

    def error(self, text: str) -> None:
        self._show("error", text, theme.FAIL)

    def info(self, text: str) -> None:
        self._show("info", text, theme.QUEUED)

    def offer(self, text: str, button: str, action) -> None:
        """An information with one button, e.g. reopening an interrupted session."""
        self.info(text)
        self._action = action
        self.action_button.setText(button)
        self.action_button.show()

    def _act(self) -> None:
        action = self._action
        self.clear()
        if action is not None:
            action()

    def clear(self) -> None:
        self.kind = ""
        self.hide()
