"""A Python editor: pygments highlighting (qtconsole's highlighter), line numbers, auto-indent,
and .py files dropped onto it."""

from __future__ import annotations

from pygments.lexers import PythonLexer
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QTextCursor, QTextDocument, QTextFormat, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget
from qtconsole.pygments_highlighter import PygmentsHighlighter

from desktop_app import theme

INDENT = " " * 4


def code_layout(document: QTextDocument) -> None:
    """Lays every line of `document` out left to right, its invisible characters drawn as boxes.
    By default Qt picks each line's direction from its first strong letter, so a line of code that
    starts with a Hebrew or Arabic string would be drawn right to left, its operators and names
    reordered around it; and bidi controls and zero-width characters would not be seen at all.
    Views of generated text escape them (core.displayable); editors hold the exact text to run,
    so there they are at least seen."""
    option = document.defaultTextOption()
    option.setTextDirection(Qt.LayoutDirection.LeftToRight)
    option.setFlags(option.flags() | QTextOption.Flag.ShowDefaultIgnorables)
    document.setDefaultTextOption(option)


def replace_all(editor, text: str) -> None:
    """Replaces a QPlainTextEdit's whole text through its cursor, so Undo brings back what it held
    (setPlainText would clear the undo history)."""
    cursor = editor.textCursor()
    cursor.select(cursor.SelectionType.Document)
    cursor.insertText(text)


class _LineNumbers(QWidget):
    def __init__(self, editor: CodeEditor):
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.line_number_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    file_dropped = Signal(str)

    def __init__(self, parent=None, placeholder: str = ""):
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText(placeholder)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        code_layout(self.document())
        self.highlighter = PygmentsHighlighter(self.document(), lexer=PythonLexer())
        self.highlighter.set_style(theme.pygments_style())
        self._numbers = _LineNumbers(self)
        self._error_line: int | None = None
        self.blockCountChanged.connect(lambda _n: self.setViewportMargins(self.line_number_width(), 0, 0, 0))
        self.updateRequest.connect(self._scroll_numbers)
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    # -- line numbers --------------------------------------------------------------------------

    def line_number_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def _scroll_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.contentsRect()
        self._numbers.setGeometry(QRect(r.left(), r.top(), self.line_number_width(), r.height()))

    def paint_line_numbers(self, event) -> None:
        painter = QPainter(self._numbers)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                number = block.blockNumber() + 1
                error = number == self._error_line
                painter.setPen(QColor(theme.FAIL) if error else palette.placeholderText().color())
                painter.drawText(0, top, self._numbers.width() - 5, height, Qt.AlignmentFlag.AlignRight, str(number))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()

    # -- error marking -------------------------------------------------------------------------

    def mark_error_line(self, line: int | None) -> None:
        """Underlines a 1-based line in red, or clears the mark with None."""
        self._error_line = line
        selections = []
        if line is not None:
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(QColor(theme.FAIL_BACKGROUND))
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.cursor = QTextCursor(block)
                selections.append(selection)
        self.setExtraSelections(selections)
        self._numbers.update()

    # -- typing --------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            line = self.textCursor().block().text()[: self.textCursor().positionInBlock()]
            indent = line[: len(line) - len(line.lstrip())]
            if line.rstrip().endswith(":"):
                indent += INDENT
            self.textCursor().insertText("\n" + indent)
            self.ensureCursorVisible()
            return
        if key == Qt.Key.Key_Tab and not event.modifiers():
            self.textCursor().insertText(INDENT)
            return
        super().keyPressEvent(event)

    # -- files dropped -------------------------------------------------------------------------

    def _dropped_file(self, mime) -> str | None:
        urls = [u for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        return urls[0].toLocalFile() if len(urls) == 1 else None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        path = self._dropped_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.file_dropped.emit(path)
        else:
            super().dropEvent(event)
