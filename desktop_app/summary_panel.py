"""The live summary: unbiased pass@k over the samples tested so far, distinct programs, and the
best passing candidate."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from core.ranking_view import group_duplicates
from desktop_app.candidates_model import DONE, CandidatesModel

KS = (1, 5, 10)


def summary_text(model: CandidatesModel) -> str:
    finished = model.finished()
    if not finished:
        return "No candidates yet."
    from core.passk import pass_at_k  # numpy: imported at the first result, not at start-up

    tested = [model.entry(c.index) for c in finished if model.entry(c.index).test == DONE]
    parts = []
    if tested:
        n, c = len(tested), sum(e.result.passed for e in tested)
        ks = sorted({k for k in (*KS, n) if k <= n})
        parts.append("  ".join(f"pass@{k} {pass_at_k(n, c, k):.2f}" for k in ks) + f"  ({c}/{n} passed)")
    parts.append(f"{len(group_duplicates(finished))} distinct programs of {len(finished)}")
    passing = [e for e in tested if e.result.passed and not e.duplicate]
    if passing:
        best = min(passing, key=lambda e: e.rank)
        parts.append(f"best passing: #{best.index} (rank {best.rank})")
    elif tested:
        parts.append("no passing candidate yet")
    return "   |   ".join(parts)


class SummaryPanel(QLabel):
    def __init__(self, parent=None):
        super().__init__("No candidates yet.", parent)
        self.setWordWrap(True)
        self.setStyleSheet("font-weight: bold; padding: 4px")

    def refresh(self, model: CandidatesModel) -> None:
        self.setText(summary_text(model))
