"""A count the user types (samples, programs): a number outside the allowed range is never
silently cut or reverted without a word; the box keeps its value and says why, right beside it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from desktop_app import theme


def _number(text: str) -> int | None:
    digits = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    return int(digits) if digits.isdigit() else None


class CountBox(QSpinBox):
    refused = Signal(str)  # why the typed number was not taken ("" once a good one is)

    def __init__(self, minimum: int, maximum: int, value: int, why_max: str, parent=None):
        """`why_max` ends "At most {maximum:,} …" in the message, e.g. "the engine takes no more"."""
        super().__init__(parent, minimum=minimum, maximum=maximum, value=value)
        self.setGroupSeparatorShown(False)
        self.why_max = why_max
        self.note: QLabel | None = None  # where refusals show, once with_note gives it one
        self._taken = value
        self.valueChanged.connect(self._on_value)

    def _on_value(self, value: int) -> None:
        # Qt re-emits the old value when it puts it back after a refusal: that is no new count.
        if value != self._taken:
            self._taken = value
            self.refused.emit("")

    def validate(self, text: str, pos: int):
        state = super().validate(text, pos)
        number = _number(text)
        if number is not None and number > self.maximum():
            # Qt would drop the key press, and 1,000,000 would quietly become 1000.
            self.refused.emit(f"At most {self.maximum():,}: {self.why_max}. The count stays {self.value():,}.")
        return state

    def fixup(self, text: str) -> str:
        number = _number(text)
        if number is not None and number < self.minimum():
            # Qt puts the old value back when the box loses focus; say so.
            self.refused.emit(
                f"At least {self.minimum():,}: {number:,} was not taken, the count stays {self.value():,}."
            )
        return super().fixup(text)


def with_note(box: CountBox, parent=None) -> QWidget:
    """`box` with a line under it that shows why a typed number was not taken."""
    holder = QWidget(parent)
    holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # no spare height in a form
    note = QLabel(holder, wordWrap=True)
    note.setStyleSheet(f"color: {theme.FAIL}")
    note.hide()

    def show(text: str) -> None:
        note.setText(text)
        note.setVisible(bool(text))

    box.refused.connect(show)
    box.note = note
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(box)
    layout.addWidget(note)
    return holder
