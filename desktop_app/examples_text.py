"""What the From-examples tab says, from a job snapshot and no widgets: each candidate's verdict
in words and its colour, and the run's status line."""

from __future__ import annotations

from core.host.snapshots import ExampleCandidate, ExamplesSnapshot, Question
from desktop_app import theme

REVISED = (
    "Written in a round of corrections: the model was told which examples the best so far got wrong (or, when"
    " the candidates right on every example only repeated them, what the best gave for other inputs), and tried again"
)
HAND_EDITED = (
    "You changed the function or the tests by hand, so they no longer follow the table. "
    "Press Re-derive to rebuild them from it."
)


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:].rstrip(".") + "."


def colour(candidate: ExampleCandidate) -> str | None:
    """All right is green and all wrong red, but a cut or degenerate candidate never looks like a
    normal result: grey when it is not an attempt, amber when the token limit cut it."""
    if candidate.degenerate:
        return theme.QUEUED
    if candidate.finish_reason == "length":
        return theme.RUNNING
    if candidate.all_right:
        return theme.PASS
    verdicts = candidate.verdicts
    return theme.FAIL if verdicts is not None and verdicts.count(None) == 0 else None


def verdict_text(candidate: ExampleCandidate, running: bool) -> str:
    if candidate.explanation is not None:
        return candidate.explanation
    if candidate.finish_reason == "cancelled":
        return "stopped before it was finished; not tested"
    return "being tested…" if running else "not tested (stopped)"


def list_text(rank: int, candidate: ExampleCandidate, running: bool) -> str:
    """A candidate's line in the list, best first: its verdict, a correction's mark, its warnings."""
    revised = "  ↻ corrected" if candidate.revises is not None else ""
    note = f"  ⚠ {'; '.join(candidate.warnings)}" if candidate.warnings else ""
    return f"{rank}. {verdict_text(candidate, running)}{revised}{note}"


def tooltip_text(candidate: ExampleCandidate, inputs: int | None) -> str:
    """Its warnings, how many candidates behave like it on the `inputs` tried, whether a correction."""
    alike = (
        [f"{candidate.cluster} candidates, itself included, give the same answers on the {inputs} inputs tried"]
        if candidate.cluster and inputs
        else []
    )
    return "; ".join([*candidate.warnings, *alike, *([REVISED] if candidate.revises is not None else [])])


def question_text(question: Question) -> str:
    """The question that settles which function is meant, and what pressing an answer does."""
    if question.confirms:
        return question.sentence + " Press it to add it as an example row, or add the row you mean."
    return question.sentence + " Your answer becomes a new example row."


def status_text(s: ExamplesSnapshot, running: bool) -> str:
    found, tested = s.candidates, [c for c in s.candidates if c.verdicts is not None]
    every = sum(c.all_right for c in tested)  # a degenerate candidate (a lookup table) never counts
    if running and s.state == "checking":
        text = (
            f"{every} of {len(found)} candidates get all {s.examples} examples right. Looking for inputs "
            "on which they disagree…"
        )
    elif running and s.state == "generalising":
        text = (
            "The candidates that get every example right only repeat them, so the model is told what the best of"
            f" them gives for other inputs, and writes more: {len(found)} of {s.n} written, {len(tested)} tested…"
        )
    elif running and s.state == "revising":
        # Cumulative counts: the corrections may come in several rounds (core.modes.revision).
        text = (
            "No candidate of the earlier rounds got every example right, so the model is told which examples the "
            f"best so far got wrong, and writes more: {len(found)} of {s.n} written, {len(tested)} tested, "
            f"{every} right…"
        )
    elif running:
        text = f"Writing and testing: {len(found)} of {s.n} written, {len(tested)} tested…"
    else:
        text = f"{every} of {len(found)} candidates get all {s.examples} examples right."
        if s.state != "done" and len(tested) == s.n:
            text += " Stopped while looking for inputs on which they disagree."
        elif s.state != "done":
            text = f"Stopped after {len(found)} of {s.n} candidates. " + text
    return text + (f" {s.note}" if s.note else "")
