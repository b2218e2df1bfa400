"""The shape every tab but the Workbench shares: two or more panes side by side (or one above the
other) in a splitter the user can drag, filling the tab."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget


def split(
    parent: QWidget,
    panes: Sequence[QWidget],
    sizes: Sequence[int],
    orientation: Qt.Orientation = Qt.Orientation.Horizontal,
) -> QSplitter:
    """A splitter of `panes` at `sizes` (pixels; Qt shares out what the window has in proportion)."""
    splitter = QSplitter(orientation, parent)
    for pane in panes:
        splitter.addWidget(pane)
    splitter.setSizes(list(sizes))
    return splitter


def fill(tab: QWidget, splitter: QSplitter) -> None:
    """`splitter` fills `tab`, with a narrow margin."""
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(splitter)
