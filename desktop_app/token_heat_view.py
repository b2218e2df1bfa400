"""The selected candidate as highlighted code with a per-token probability heat overlay;
hovering a token shows its probability and the model's top alternatives."""
from __future__ import annotations

import bisect
import html
import math

from pygments.lexers import PythonLexer
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QToolTip
from qtconsole.pygments_highlighter import PygmentsHighlighter

from core.candidate import Candidate
from desktop_app import theme


def heat_colour(probability: float) -> QColor:
    """Red for unlikely tokens through yellow to green for near-certain ones, translucent so the
    syntax colours stay readable."""
    colour = QColor.fromHsvF(max(0.0, min(1.0, probability)) / 3, 0.85, 0.95)
    colour.setAlphaF(0.35)
    return colour


class TokenHeatView(QTextEdit):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = PygmentsHighlighter(self.document(), lexer=PythonLexer())
        self.highlighter.set_style(theme.pygments_style())
        self.candidate: Candidate | None = None
        self._starts: list[int] = []  # document position where each shown token starts

    def show_candidate(self, prompt: str, candidate) -> None:
        """Completion mode shows the prompt and the sampled tokens after it; instruct mode
        shows the model's reply, whose tokens are what the log-probs describe."""
        self.clear()
        self.candidate, self._starts = candidate, []
        cursor = QTextCursor(self.document())
        if candidate.text == candidate.raw_text:
            cursor.insertText(prompt, QTextCharFormat())
        budget = len(candidate.raw_text)  # the last token may run past the stop sequence
        for piece, logprob in zip(candidate.tokens, candidate.token_logprobs):
            piece = piece[:budget]
            if not piece:
                break
            budget -= len(piece)
            fmt = QTextCharFormat()
            fmt.setBackground(heat_colour(math.exp(logprob)))
            self._starts.append(cursor.position())
            cursor.insertText(piece, fmt)

    def token_at(self, position: int) -> int | None:
        i = bisect.bisect_right(self._starts, position) - 1
        return i if i >= 0 else None

    def tooltip_for(self, i: int) -> str:
        c = self.candidate
        if c is None:  # the tooltip is asked for only over a shown candidate's tokens
            raise ValueError("no candidate is shown")
        lp = c.token_logprobs[i]
        lines = [f"<b>{html.escape(repr(c.tokens[i]))}</b> p={math.exp(lp):.3f} (log-prob {lp:.2f})"]
        if i < len(c.top_logprobs) and c.top_logprobs[i]:
            lines.append("Top alternatives:")
            lines += [f"&nbsp;&nbsp;{html.escape(repr(piece))} p={math.exp(alt):.3f}" for piece, alt in c.top_logprobs[i]]
        return "<br>".join(lines)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.candidate is not None:
            position = self.cursorForPosition(self.viewport().mapFromGlobal(event.globalPos())).position()
            i = self.token_at(position)
            if i is not None:
                QToolTip.showText(event.globalPos(), self.tooltip_for(i), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
