"""Colours that stay readable in light and dark mode, and the matching pygments style."""
from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette

PASS = "#2e7d32"
FAIL = "#c62828"
RUNNING = "#b26a00"
QUEUED = "#757575"
FAIL_BACKGROUND = "#66c62828"  # translucent, so the text colour of either mode shows through


def is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def pygments_style() -> str:
    return "monokai" if is_dark() else "default"
