"""Issue 20 in the real window on the tiny model and the real sandbox: a branch from an alternative
token becomes a tested child candidate of the run, and the next-token distribution at a token
follows the Parameters dock's knobs over cached logits, as core.sampling.distribution shapes them."""

import pytest
import torch
from PySide6.QtCore import QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from core.displayable import displayable
from core.sampling.candidate import Candidate
from core.sampling.distribution import shape
from core.sampling.params import SamplingParams
from desktop_app.candidates_model import DONE, NOTES
from desktop_app.distribution_view import SHOWN
from desktop_app.token_heat_view import TokenHeatView, alternatives_at, qt_length
from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS_SRC = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


def _run(qtbot, w):
    if w.model.finished() and w.controller.run is not None and w.controller.run.prompt == PROMPT:
        return
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(2)
    w.controls.max_new_tokens.setValue(10)
    w.controls.mode.setCurrentIndex(w.controls.mode.findData("completion"))
    w.controls.temperature.setValue(0.8)
    generate_and_wait(qtbot, w)


def _select(w, index: int):
    row = next(
        r for r in range(w.view.model().rowCount()) if w.view.model().index(r, 0).data(0x0100) == index
    )  # Qt.UserRole: the candidate index
    w.view.selectRow(row)
    assert w.details.heat.candidate.index == index


def _menu_choice(qtbot, heat, position: int, wanted: str) -> list[str]:
    """Opens the token view's context menu from the keyboard at token `position` and triggers the
    entry that continues with `wanted`; returns the menu's entries."""
    heat.select_token(position)
    seen: list[str] = []

    def choose():
        menu = QApplication.activePopupWidget()
        seen.extend(a.text() for a in menu.actions())
        next(a for a in menu.actions() if a.text().startswith(f"Continue from here with {wanted!r}")).trigger()
        menu.close()

    QTimer.singleShot(200, choose)
    rect = heat.cursorRect()
    QApplication.sendEvent(
        heat.viewport(),
        QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, rect.center(), heat.viewport().mapToGlobal(rect.center())),
    )
    return seen


def test_a_branch_from_an_alternative_is_a_tested_child_of_its_candidate(qtbot, tiny_window):
    w = tiny_window
    _run(qtbot, w)
    parent = w.model.finished()[0]
    _select(w, parent.index)
    position = next(i for i in range(1, len(parent.tokens)) if alternatives_at(parent, i))
    alternative = alternatives_at(parent, position)[0][0]
    before = len(w.model.entries)
    finished = []
    w.controller.run_finished.connect(lambda: finished.append(True))
    entries = _menu_choice(qtbot, w.details.heat, position, alternative)
    assert sum(e.startswith("Continue from here with") for e in entries) == len(alternatives_at(parent, position))
    qtbot.waitUntil(lambda: bool(finished) and w.controller.engine.state == "idle", timeout=60_000)

    assert len(w.model.entries) == before + 1
    child_entry = w.model.entries[-1]
    child = child_entry.candidate
    prefix = "".join(parent.tokens[:position]) + alternative
    assert child.raw_text.startswith(prefix) and child.text.startswith(prefix)
    assert child_entry.branch.parent == parent.index and child_entry.branch.position == position
    # Tested in the sandbox like every candidate, and shown as the original's child.
    assert child_entry.test == DONE and child_entry.result is not None
    row = w.model.entries.index(child_entry)
    assert f"branch of #{parent.index} at token {position}" in w.model.index(row, NOTES).data()
    # Not a sample of the run: pass@k and the distinct-program count leave it out, and say so.
    from desktop_app.summary_panel import summary_text

    samples = len(w.model.finished()) - 1
    assert "1 branch not counted" in summary_text(w.model) and f"distinct programs of {samples}" in summary_text(
        w.model
    )

    _select(w, child.index)
    heat = w.details.heat
    # The tiny random model writes control characters: the view shows them as escapes (core.displayable).
    kept = displayable("".join(parent.tokens[:position]))
    assert heat.parting == qt_length(PROMPT + kept)
    assert "".join(child.tokens) == child.raw_text and heat.toPlainText() == displayable(PROMPT + child.raw_text)
    assert f"branch of #{parent.index}" in w.details.title.text()


def test_a_character_split_over_tokens_shows_whole_and_each_of_its_tokens_can_be_chosen(qtbot, tiny_engine):
    """The tiny tokenizer spells an emoji and an accented letter in bytes, several tokens each:
    the view shows the characters (not U+FFFD) and still lets each token be chosen."""
    prefix = " 'é😀' +"
    params = SamplingParams(n=1, temperature=1.0, max_new_tokens=4, seed=2, mode="completion", prefix=prefix)
    [cand] = tiny_engine.generate(PROMPT, params)
    assert "" in cand.tokens  # a token that ends a character another one starts
    heat = TokenHeatView()
    qtbot.addWidget(heat)
    heat.show_candidate(PROMPT, cand)
    assert heat.toPlainText() == displayable(PROMPT + cand.raw_text) and heat.shown_tokens == len(cand.tokens)
    chosen: list[int] = []
    heat.position_selected.connect(chosen.append)
    for i in range(len(cand.tokens)):
        heat.select_token(i)
    assert chosen == list(range(len(cand.tokens)))
    # The written token is among the alternatives spelled as its share of the text: the branch menu
    # leaves it out. No branch offers a piece of a character, nor branches where a token's share is
    # empty (its distribution followed half a character).
    greedy = SamplingParams(n=1, temperature=0.0, max_new_tokens=6, mode="completion", prefix=prefix)
    [likeliest] = tiny_engine.generate(PROMPT, greedy)
    sampled = range(len(likeliest.tokens) - 6, len(likeliest.tokens))  # the written token is the likeliest
    assert all(likeliest.top_logprobs[i][0] == (likeliest.tokens[i], likeliest.token_logprobs[i]) for i in sampled)
    alternatives = [[("\ufffd", -1.0), (" x", -2.0)], [(" + b\n", -0.1), (" - b", -2.5)], [("", -0.2), (" c", -3.0)]]
    cut = Candidate(
        0,
        " y + b\n",
        " y + b\n",
        [1, 2, 3],
        [-0.5, -0.1, -0.2],
        "stop",
        tokens=[" y", " + b\n", ""],
        top_logprobs=alternatives,
    )
    assert alternatives_at(cut, 0) == [(" x", -2.0)] and alternatives_at(cut, 1) == [(" - b", -2.5)]
    assert alternatives_at(cut, 2) == []


def test_the_distribution_follows_the_knobs_over_cached_logits(qtbot, tiny_window, monkeypatch):
    w = tiny_window
    _run(qtbot, w)
    candidate = w.model.finished()[0]
    _select(w, candidate.index)
    engine, explorer, view = w.controller.engine, w.details.explorer, w.details.distribution
    asked = []
    real_request = engine.next_token_logits
    monkeypatch.setattr(engine, "next_token_logits", lambda *a: (asked.append(a), real_request(*a)))
    position = 2
    w.details.heat.select_token(position)
    qtbot.waitUntil(lambda: view.plot.shaped is not None, timeout=60_000)
    assert len(asked) == 1
    logits = view.logits  # sorted once for the position (core.sampling.distribution.sort_logits)
    # These are the logits the sampler saw: they give the candidate's own token its recorded log-prob.
    at = int((logits.token_ids == candidate.token_ids[position]).nonzero())
    assert float(torch.log_softmax(logits.values, -1)[at]) == pytest.approx(
        candidate.token_logprobs[position], abs=2e-3
    )
    assert "▶" in view.title.text()

    for temperature, top_k, top_p in ((0.2, 0, 0.95), (1.0, 0, 1.0), (1.6, 5, 0.5), (0.0, 0, 0.95), (0.7, 3, 0.3)):
        w.controls.temperature.setValue(temperature)
        w.controls.top_k.setValue(top_k)
        w.controls.top_p.setValue(top_p)
        expected = shape(logits, temperature, top_k, top_p, show=SHOWN)
        plotted = view.plot.shaped
        assert plotted.token_ids == expected.token_ids and plotted.kept == expected.kept
        assert plotted.shaped == pytest.approx(expected.shaped) and plotted.raw == pytest.approx(expected.raw)
        assert f"draws from {expected.kept} token" in view.summary.text() or temperature == 0
    assert len(asked) == 1  # no new forward pass while the knobs moved
    # Back to the same token of the same candidate: answered from the cache.
    w.details.heat.select_token(position + 1)
    qtbot.waitUntil(lambda: len(explorer.cache) >= 2 and view.plot.shaped is not None, timeout=60_000)
    w.details.heat.select_token(position)
    assert len(asked) == 2 and torch.equal(view.logits.values, logits.values)
