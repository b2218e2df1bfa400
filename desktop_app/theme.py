"""Colours that stay readable in light and dark mode, and the matching pygments style."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette

PASS = "#2e7d32"
FAIL = "#c62828"
RUNNING = "#b26a00"
QUEUED = "#757575"
FAIL_BACKGROUND = "#66c62828"  # translucent, so the text colour of either mode shows through
SCHEME_KEY = "view/color_scheme"  # "light" or "dark", as chosen in View; absent: the desktop's


def is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def pygments_style() -> str:
    return "monokai" if is_dark() else "default"


def dark_palette() -> QPalette:
    """Fusion's colours for dark mode, for platforms that cannot switch the scheme themselves
    (X11 without a desktop, offscreen)."""
    from PySide6.QtGui import QColor

    roles = QPalette.ColorRole
    palette = QPalette()
    for role, colour in (
        (roles.Window, "#2b2b2b"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1e1e"),
        (roles.AlternateBase, "#262626"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.Highlight, "#2f65ca"),
        (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#353535"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.PlaceholderText, "#8c8c8c"),
        (roles.Link, "#6ea8fe"),
        (roles.BrightText, "#ff6b6b"),
    ):
        palette.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def apply_scheme(app, scheme: str) -> None:
    """Light or dark now, for the whole app; "auto" leaves the desktop's choice."""
    if scheme == "auto":
        return
    dark = scheme == "dark"
    app.styleHints().setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    if dark != is_dark():  # the platform could not switch (X11 without a desktop, offscreen)
        app.setPalette(dark_palette() if dark else app.style().standardPalette())
