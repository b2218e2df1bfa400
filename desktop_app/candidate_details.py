"""The selected candidate: its code with the probability heat overlay, the next-token distribution
at the token under the caret, its test outcome (the failing assertion and the output), and the
actions on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.displayable import displayable
from desktop_app import theme
from desktop_app.candidates_model import CANCELLED, DONE, Entry, badge, notes
from desktop_app.distribution_view import DistributionView
from desktop_app.token_explorer import TokenExplorer
from desktop_app.token_heat_view import TokenHeatView

if TYPE_CHECKING:
    from desktop_app.main_window import MainWindow

FINISHED_BY = {
    "stop": "a stop sequence",
    "eos": "the model's end of text",
    "length": "the token limit",
    "cancelled": "Stop (it was cut off and not tested)",
}


def outcome_text(entry: Entry) -> str:
    """The verdict, the first failing case and the tails of what the candidate printed, its hidden
    characters shown (core.displayable): the candidate wrote most of it."""
    if entry.test == CANCELLED:
        return (
            "Tests: not run. Generation was stopped before this candidate was finished, so it is not counted in pass@k."
        )
    if entry.test != DONE:
        return f"Tests: {badge(entry)}"
    r = entry.test_result()
    lines = [f"Tests: {badge(entry)} — {r.human_eval_result} ({r.wall_ms:.0f} ms)"]
    failing = [case for case in r.cases if case.status != "pass"]
    if failing:
        first = failing[0]
        where = f"line {first.line}: " if first.line else ""
        lines += ["", f"First failing case ({first.status}): {where}{first.name}"]
        if first.message:
            lines.append(f"    {first.message}")
        if len(failing) > 1:
            lines.append(f"…and {len(failing) - 1} more failing case(s)")
    for title, tail in (("stdout", r.stdout_tail), ("stderr", r.stderr_tail)):
        if tail.strip():
            lines += ["", f"--- {title} ---", tail.rstrip()]
    return displayable("\n".join(lines))


class CandidateDetails(QWidget):
    def __init__(self, actions, parent: MainWindow):
        super().__init__(parent)
        self.title = QLabel("Select a candidate to see its tokens and test results.", self, wordWrap=True)
        # However long the line, it wraps: it must never widen the pane and squeeze the editors.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.warning = QLabel(self, wordWrap=True)
        # They quote how a server ended the candidate and its warnings: plain text, never HTML
        # (desktop_app.plain_text).
        for label in (self.title, self.warning):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.warning.setStyleSheet(f"color: {theme.RUNNING}; font-weight: bold")
        self.heat = TokenHeatView(self)
        self.distribution = DistributionView(self)
        self.outcome = QPlainTextEdit(self, readOnly=True)
        buttons = QHBoxLayout()  # under the title, which has the whole width to wrap in
        buttons.addWidget(self.warning, 1)
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            buttons.addWidget(button)
        tokens = QSplitter(Qt.Orientation.Horizontal, self)
        tokens.addWidget(self.heat)
        tokens.addWidget(self.distribution)
        tokens.setSizes([400, 300])
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(tokens)
        split.addWidget(self.outcome)
        split.setSizes([300, 120])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(split)
        self.explorer = TokenExplorer(self, parent)

    def show_entry(self, prompt: str, entry: Entry | None) -> None:
        if entry is None or entry.candidate is None:
            self.title.setText("Select a finished candidate to see its tokens and test results.")
            self.heat.clear_candidate()
            self.outcome.clear()
            self.warning.setText("")
            return
        c = entry.candidate
        self.distribution.show_message(
            "Click a token (or move the caret to it) to see the distribution the model "
            "drew it from; right click it to continue from another token."
        )
        copies = f", {entry.copies} identical samples" if entry.copies > 1 else ""
        self.title.setText(
            f"Candidate #{c.index} — rank {entry.rank}, mean log-prob {c.mean_logprob:.3f}, "
            f"{len(c.token_ids)} tokens, ended by {FINISHED_BY.get(c.finish_reason, c.finish_reason)}"
            f"{copies}{f', {entry.branch.note()}' if entry.branch else ''}"
        )
        warnings = "; ".join(notes(entry))
        self.warning.setText(f"⚠ {warnings[:1].upper()}{warnings[1:]}." if warnings else "")

        self.heat.show_candidate(prompt, c, entry.branch)
        self.outcome.setPlainText(outcome_text(entry))
