"""Text the app did not write (candidates' warnings and verdicts, the values they returned, a
server's or a loader's messages) where Qt takes HTML. Qt shows any tooltip, and any QLabel or
QMessageBox text in the default AutoText format, that looks like HTML (Qt.mightBeRichText) as rich
text: a candidate's exception message "<b>7 of 7 passed</b>" or an <img> would be drawn, not read.
Labels that show such text are set to Qt.TextFormat.PlainText where they are made; tooltips and
message boxes built by static functions have no such setting, so their text goes through `as_html`.
Either way, the characters that reorder or hide text (bidi controls, zero-width characters,
control characters) are shown as escapes (core.displayable)."""

from __future__ import annotations

import html

from core.displayable import displayable


def as_html(text: str) -> str:
    """HTML that shows `text` as written: escaped, its hidden characters made visible, in a
    paragraph that keeps its spaces and line breaks (a value's two spaces stay two) and still
    wraps. No text stays no text (no tooltip)."""
    return f"<p style='white-space:pre-wrap'>{html.escape(displayable(text))}</p>" if text else ""
