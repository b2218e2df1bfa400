"""The selected candidate as highlighted code with a per-token probability heat overlay;
hovering a token shows its probability and the model's top alternatives. The caret (a click, or
the arrow keys) selects a token, whose next-token distribution the details pane plots; the
context menu (right click, or the Menu key at the caret) continues from any alternative there,
as a new candidate (desktop_app.branch). A branch's forced part is underlined and a line marks
where it parts from the candidate it came from."""

from __future__ import annotations

import bisect
import html
import math

from pygments.lexers import PythonLexer
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QFontDatabase, QPainter, QPen, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMenu, QTextEdit, QToolTip
from qtconsole.pygments_highlighter import PygmentsHighlighter

from core.displayable import displayable
from core.sampling.candidate import Candidate
from desktop_app import theme
from desktop_app.branch import Branch
from desktop_app.code_editor import code_layout


def heat_colour(probability: float) -> QColor:
    """Red for unlikely tokens through yellow to green for near-certain ones, translucent so the
    syntax colours stay readable."""
    colour = QColor.fromHsvF(max(0.0, min(1.0, probability)) / 3, 0.85, 0.95)
    colour.setAlphaF(0.35)
    return colour


def qt_length(text: str) -> int:
    """The length of `text` in a Qt document's positions, which count UTF-16 units: a character
    beyond the Basic Multilingual Plane (an emoji) counts twice."""
    return len(text.encode("utf-16-le")) // 2


def alternatives_at(candidate: Candidate, i: int) -> list[tuple[str, float]]:
    """The model's top alternatives at token `i` other than the token it wrote (spelled as its
    share of the text, core.sampling.candidate_assembly), likeliest first: those a branch can
    write. None where the token's share is empty: it ends a character an earlier token starts, so
    its alternatives followed half a character that a branch's text cannot hold. Nor a piece
    holding U+FFFD, part of a character split over several tokens."""
    alternatives = candidate.top_logprobs[i] if i < len(candidate.top_logprobs) else []
    share = candidate.tokens[i]
    if not share:
        return []
    return [(piece, lp) for piece, lp in alternatives if piece != share and "\ufffd" not in piece]


class TokenHeatView(QTextEdit):
    branch_requested = Signal(int, str)  # token position, the alternative piece to write there instead
    position_selected = Signal(int)  # the token under the caret

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        # A caret the arrow keys move, so a token can be chosen (and its menu opened) from the keyboard.
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        code_layout(self.document())
        self.highlighter = PygmentsHighlighter(self.document(), lexer=PythonLexer())
        self.highlighter.set_style(theme.pygments_style())
        self.candidate: Candidate | None = None
        self._starts: list[int] = []  # document position where each shown token starts
        self.parting: int | None = None  # document position where a branch parts from its parent
        self._selected: int | None = None
        self._filling = False
        self.cursorPositionChanged.connect(self._on_caret)

    def show_candidate(self, prompt: str, candidate, branch: Branch | None = None) -> None:
        """Completion mode shows the prompt and the sampled tokens after it; instruct mode
        shows the model's reply, whose tokens are what the log-probs describe. Characters that
        would reorder or hide the code (bidi controls, zero-width ones) are shown as escapes
        (core.displayable), so positions in the view are counted apart from the candidate's own."""
        self._filling = True
        self.clear()
        self.candidate, self._starts, self._selected = candidate, [], None
        cursor = QTextCursor(self.document())
        # One edit: laid out once at its end, not after each token (a long one-line candidate of a
        # few thousand tokens took minutes).
        cursor.beginEditBlock()
        if candidate.text == candidate.raw_text:
            cursor.insertText(displayable(prompt), QTextCharFormat())
        kept = None if branch is None else len(branch.kept)
        forced = 0 if branch is None else len(branch.prefix)
        self.parting = cursor.position() if kept == 0 else None
        written = 0  # characters of the candidate's raw text before the current piece
        for piece, logprob in zip(candidate.tokens, candidate.token_logprobs):
            # Pieces are the tokens' shares of the raw text (core.sampling.candidate_assembly); a session
            # saved before they were may hold a last token that runs past the stop sequence.
            piece = piece[: len(candidate.raw_text) - written]
            fmt = QTextCharFormat()
            fmt.setBackground(heat_colour(math.exp(logprob)))
            if written < forced:  # written because the branch said so, not sampled
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            self._starts.append(cursor.position())
            if kept is not None and written < kept <= written + len(piece):
                self.parting = cursor.position() + qt_length(displayable(piece[: kept - written]))
            cursor.insertText(displayable(piece), fmt)
            written += len(piece)
        cursor.endEditBlock()
        self.setTextCursor(QTextCursor(self.document()))
        self._filling = False

    def clear_candidate(self) -> None:
        self.clear()
        self.candidate, self._starts, self._selected, self.parting = None, [], None, None

    def _on_caret(self) -> None:
        i = None if self._filling or self.candidate is None else self.token_at(self.textCursor().position())
        if i is not None and i != self._selected:
            self._selected = i
            self.position_selected.emit(i)

    @property
    def shown_tokens(self) -> int:
        """How many of the candidate's tokens are shown: each that has a log-prob, even one whose
        share of the text is empty (it ends a character that an earlier token starts)."""
        return len(self._starts)

    def select_token(self, i: int) -> None:
        """Puts the caret on token `i` and selects it, as a click on it does. A token with an empty
        share starts where the next one does, so the caret alone would select that one."""
        cursor = self.textCursor()
        cursor.setPosition(self._starts[i])
        self._filling = True
        self.setTextCursor(cursor)
        self._filling = False
        if i != self._selected:
            self._selected = i
            self.position_selected.emit(i)

    def branch_actions(self, menu: QMenu, i: int) -> None:
        """One entry per alternative at token `i`: continue the candidate from it."""
        c = self.candidate
        if c is None:
            return
        alternatives = alternatives_at(c, i)
        if not alternatives:
            return
        menu.addSeparator()
        for piece, logprob in alternatives:
            action = menu.addAction(f"Continue from here with {piece!r} (p={math.exp(logprob):.3f})")
            action.triggered.connect(lambda _checked=False, p=piece: self.branch_requested.emit(i, p))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
        position = self.textCursor().position() if keyboard else self.cursorForPosition(event.pos()).position()
        menu = self.createStandardContextMenu(event.pos())
        i = self.token_at(position) if self.candidate is not None else None
        if i is not None:
            self.branch_actions(menu, i)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.parting is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(self.parting, self.document().characterCount() - 1))
        rect = self.cursorRect(cursor)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(QColor(theme.RUNNING), 2))
        painter.drawLine(rect.left(), rect.top() - 2, rect.left(), rect.bottom() + 2)
        painter.end()

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
            lines += [
                f"&nbsp;&nbsp;{html.escape(repr(piece))} p={math.exp(alt):.3f}" for piece, alt in c.top_logprobs[i]
            ]
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
