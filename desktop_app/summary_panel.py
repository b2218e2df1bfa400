"""The live summary: unbiased pass@k over the samples tested so far, distinct programs, and the
best passing candidate."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from core.ranking.order import group_duplicates
from desktop_app.candidates_model import DONE, UNRANKED, CandidatesModel

KS = (1, 5, 10)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def counts_text(finished, asked: int | None) -> str:
    """How many samples ended, and what must be said about them: stopped, cut, not attempts."""
    ended = [c for c in finished if c.finish_reason != "cancelled"]
    stopped = len(finished) - len(ended)
    # "10 of 10 finished" says nothing; fewer finished, or some stopped, must be said.
    text = f"{len(ended)} of {asked} samples finished" if asked and (stopped or len(ended) < asked) else ""
    cut, degenerate = sum(c.cut_by_token_limit for c in ended), sum(c.degenerate is not None for c in ended)
    notes = [
        f"{stopped} stopped before the end (not tested)" if stopped else "",
        f"{cut} cut by the token limit" if cut else "",
        (f"{degenerate} not a real attempt" if degenerate == 1 else f"{degenerate} not real attempts")
        if degenerate
        else "",
    ]
    return ", ".join(filter(None, [text, *notes]))


def summary_text(model: CandidatesModel, asked: int | None = None) -> str:
    """`asked`: the samples the run asked for (None: unknown)."""
    everything = model.finished()
    if not everything:
        return "No candidates yet."
    from core.evaluation.passk import pass_at_k  # numpy: imported at the first result, not at start-up

    # A branch (a candidate forced to start with another token) is not a sample of the run's
    # distribution: pass@k and the counts leave it out.
    finished = [c for c in everything if model.entry(c.index).branch is None]
    branches = len(everything) - len(finished)
    tested = [model.entry(c.index) for c in finished if model.entry(c.index).test == DONE]
    parts = list(filter(None, [counts_text(finished, asked)]))
    if branches:
        parts.append(f"{branches} branch{'es' * (branches != 1)} not counted")
    if tested:
        n, c = len(tested), sum(e.test_result().passed for e in tested)
        ks = sorted({k for k in (*KS, n) if k <= n})
        parts.append(
            "  ".join(f"pass@{k} {pass_at_k(n, c, k):.2f}" for k in ks)
            + f"  ({c} of {_plural(n, 'tested sample')} passed)"
        )
    parts.append(f"{len(group_duplicates(finished))} distinct programs of {len(finished)}")
    passing = [e for e in tested if e.test_result().passed and not e.duplicate]
    if passing:
        best = min(passing, key=lambda e: UNRANKED if e.rank is None else e.rank)
        parts.append(f"best passing: #{best.index} (rank {best.rank})")
    elif tested:
        parts.append("no passing candidate yet")
    return "   |   ".join(parts)


class SummaryPanel(QLabel):
    def __init__(self, parent=None):
        super().__init__("No candidates yet.", parent)
        self.setWordWrap(True)
        self.setStyleSheet("font-weight: bold; padding: 4px")

    def refresh(self, model: CandidatesModel, asked: int | None = None) -> None:
        self.setText(summary_text(model, asked))


def run_end_text(run) -> str:
    """The status line when a run's generation and tests are over (a GenerationRun, or None)."""
    if run is None:
        return ""
    finished = run.model.finished()
    stopped = sum(c.finish_reason == "cancelled" for c in finished)
    if not stopped and len(finished) >= run.n:
        return "Generation and tests finished"
    return (
        f"Stopped: {len(finished) - stopped} of {run.n} samples finished; "
        "the ones cut off are neither tested nor counted in pass@k"
    )
