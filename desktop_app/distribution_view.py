"""The next-token distribution at one position of a candidate, under the knobs (issue 20; the
picture behind the Codex paper's Figures 5 and 6): for the likeliest tokens, the model's own
probability (outlined bar) and the probability the sampler draws it with after temperature,
top-k and top-p (filled bar; grey and empty outside the nucleus), with a line at the nucleus cut.

The logits of a position are asked for once (desktop_app.token_explorer); moving the Parameters
dock's temperature, top-k or top-p only reshapes them here (core.sampling.distribution.shape, about a
millisecond for one vector): no forward pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_app import theme

if TYPE_CHECKING:  # torch comes into this process with the first logits, not at start
    from core.sampling.distribution import SortedLogits

SHOWN = 15  # tokens plotted: the likeliest under the raw distribution, which knobs never reorder
LABEL_CHARS = 14
SHAPED_COLOUR = "#1f77b4"  # matplotlib's first colour, as in the Sampling lab's figures


def token_label(piece: str) -> str:
    text = repr(piece)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def knobs_text(temperature: float, top_k: int, top_p: float) -> str:
    return f"T={temperature:.2f}, top-k {top_k or 'off'}, top-p {top_p:.2f}"


def summary_text(shaped, temperature: float, top_k: int, top_p: float) -> str:
    """One line under the plot: what the sampler can draw, and how much of it the plot shows."""
    if temperature == 0:
        return f"{knobs_text(temperature, top_k, top_p)}: greedy, the likeliest token is always written."
    return (
        f"{knobs_text(temperature, top_k, top_p)}: the sampler draws from {shaped.kept} token"
        f"{'s' * (shaped.kept != 1)}; {shaped.shaped_mass_shown:.1%} of draws land on a token shown."
    )


class DistributionPlot(QWidget):
    """Horizontal bars, one row per token. Painted directly: a redraw takes well under a millisecond."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shaped = None  # core.sampling.distribution.Shaped being drawn
        self.labels: list[str] = []  # decoded pieces of shaped.token_ids
        self.chosen: int | None = None  # the token the candidate wrote at this position
        self.setMinimumSize(260, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, shaped, labels: list[str], chosen: int | None) -> None:
        self.shaped, self.labels, self.chosen = shaped, labels, chosen
        self.update()

    def paintEvent(self, _event) -> None:
        if self.shaped is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().color(QPalette.ColorRole.Text)
        grey = QColor(theme.QUEUED)
        metrics = painter.fontMetrics()
        # As many rows as the height fits in this font (presentation mode's is larger), likeliest
        # first: rows squeezed under the text's height wrote their labels over each other.
        rows = min(len(self.shaped.token_ids), max(1, int((self.height() - 4) // (metrics.height() + 1))))
        row_h = (self.height() - 4) / rows
        label_w = max(metrics.horizontalAdvance(label) for label in self.labels[:rows]) + 10
        value_w = metrics.horizontalAdvance("0.000 → 0.000") + 16  # room for the bold glyphs of some fonts
        bar_w = max(20.0, self.width() - label_w - value_w)
        top = max(max(self.shaped.raw), max(self.shaped.shaped), 1e-12)  # the widest bar fills the width
        kept_shown = sum(1 for p in self.shaped.shaped[:rows] if p > 0)
        bold = QFont(painter.font())
        bold.setBold(True)
        for row, (token, raw, drawn) in enumerate(
            zip(self.shaped.token_ids[:rows], self.shaped.raw, self.shaped.shaped)
        ):
            y = 2 + row * row_h
            inside = drawn > 0
            painter.setFont(bold if token == self.chosen else self.font())
            painter.setPen(text_colour if inside else grey)
            marker = "▶ " if token == self.chosen else ""
            painter.drawText(
                QRectF(0, y, label_w - 6, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                marker + self.labels[row],
            )
            bar = QRectF(label_w, y + row_h * 0.15, bar_w * drawn / top, row_h * 0.7)
            painter.fillRect(bar, QColor(SHAPED_COLOUR) if inside else grey)
            painter.setPen(QPen(text_colour if inside else grey, 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(label_w, y + row_h * 0.15, bar_w * raw / top, row_h * 0.7))
            painter.drawText(
                QRectF(label_w + bar_w + 4, y, value_w, row_h),
                Qt.AlignmentFlag.AlignVCenter,
                f"{raw:.3f} → {drawn:.3f}",
            )
        if kept_shown < rows:  # the nucleus ends inside the plot: a line where it is cut
            y = 2 + kept_shown * row_h
            painter.setPen(QPen(QColor(theme.FAIL), 2, Qt.PenStyle.DashLine))
            painter.drawLine(0, int(y), self.width(), int(y))
        painter.end()


class DistributionView(QWidget):
    """The plot with a title saying which position it shows and a line saying what the knobs do."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a token to see the distribution the model drew it from.", self, wordWrap=True)
        # It quotes the token the model wrote and the engine's reasons: plain text, never HTML.
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot = DistributionPlot(self)
        self.summary = QLabel(self, wordWrap=True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setToolTip(
            "Outlined bar: the model's own probability. Filled bar: the probability the "
            "sampler draws the token with after temperature, top-k and top-p. Grey: outside "
            "the nucleus, never drawn. Dashed line: the nucleus cut."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        self.logits: SortedLogits | None = None  # of the position shown
        self.pieces: dict[int, str] = {}
        self.chosen: int | None = None

    def show_message(self, text: str) -> None:
        """No plot: why not, or what is awaited."""
        self.logits = None
        self.title.setText(text)
        self.summary.setText("")
        self.plot.set_data(None, [], None)

    def show_position(self, title: str, logits, pieces: dict[int, str], chosen: int | None) -> None:
        """`logits`: the position's raw logits (a tensor); `pieces`: the decoded likeliest tokens."""
        # torch is in this process already: the worker that turned the logits into a tensor imported it.
        from core.sampling.distribution import sort_logits

        self.title.setText(title)
        self.logits, self.pieces, self.chosen = sort_logits(logits), pieces, chosen

    def reshape(self, temperature: float, top_k: int, top_p: float) -> None:
        """Redraws the shown position under these knobs from its cached logits."""
        if self.logits is None:
            return
        # torch is in this process already: the worker that turned the logits into a tensor imported it.
        from core.sampling.distribution import shape

        shaped = shape(self.logits, temperature, top_k, top_p, show=SHOWN)
        self.plot.set_data(shaped, [token_label(self.pieces.get(t, f"<{t}>")) for t in shaped.token_ids], self.chosen)
        self.summary.setText(summary_text(shaped, temperature, top_k, top_p))
