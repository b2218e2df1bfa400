"""The Workbench's behaviour rankers on the real window (tiny model, real engine process, real
sandbox): the "Behaves like" column fills by itself after a run; Rank by behaviour cluster puts the
largest cluster first; agreement without usable model tests says why, without an error."""

from PySide6.QtCore import Qt

from core.sampling.candidate import Candidate
from desktop_app.candidates_model import BEHAVES, SORT_ROLE
from tests.gui.conftest import generate_and_wait

PROMPT = 'def double(x):\n    """Return twice x.\n\n    >>> double(3)\n    6\n    """\n'
# Three ways to double (one behaviour), and two functions that agree with them only at 2.
BODIES = ["    return x * 2\n", "    return x + x\n", "    return 2 * x\n", "    return x ** 2\n", "    return x + 2\n"]


def candidate(index: int, body: str) -> Candidate:
    # Later candidates are likelier, so mean log-prob alone would put the doubling ones last.
    return Candidate(
        index=index,
        text=body,
        raw_text=body,
        token_ids=[1],
        token_logprobs=[-1.0 + 0.1 * index],
        finish_reason="stop",
        tokens=[body],
    )


def wait_idle(qtbot, w, timeout_ms=60_000):
    qtbot.waitUntil(lambda: w.controller.engine.state == "idle" and w.behaviour.running is None, timeout=timeout_ms)


def test_the_cluster_column_fills_after_a_run(qtbot, tiny_window):
    w = tiny_window
    w.set_ranking("mean_logprob")
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText("")
    w.controls.samples.setValue(4)
    w.controls.max_new_tokens.setValue(12)
    generate_and_wait(qtbot, w)
    wait_idle(qtbot, w)
    attempts = [c.index for c in w.model.finished() if c.finish_reason != "cancelled"]
    assert sorted(w.model.scores["cluster"]) == sorted(attempts) and w.model.behaviour_inputs > 0
    sizes = w.model.scores["cluster"]
    assert all(1 <= size <= len(attempts) for size in sizes.values())
    for row in range(w.model.rowCount()):
        index = w.model.entries[row].index
        cell = w.model.index(row, BEHAVES)
        assert cell.data() == f"{sizes[index]} candidate{'s' * (sizes[index] != 1)}"
        assert f"on {w.model.behaviour_inputs} inputs" in cell.data(Qt.ItemDataRole.ToolTipRole)
        assert cell.data(SORT_ROLE) == -sizes[index]


def test_rank_by_cluster_puts_the_largest_behaviour_first(qtbot, tiny_window, tmp_path):
    w = tiny_window
    w.set_ranking("mean_logprob")
    w.controller.show_saved(PROMPT, "", [candidate(i, b) for i, b in enumerate(BODIES)], {}, seed=0, n=len(BODIES))
    assert w.view.ranked_indices() == [4, 3, 2, 1, 0]  # by mean log-prob
    assert w.model.scores["cluster"] == {}  # a reopened run is examined only when a ranking asks
    next(a for a in w.ranking_group.actions() if a.data() == "cluster").trigger()
    wait_idle(qtbot, w)
    assert w.model.scores["cluster"] == {0: 3, 1: 3, 2: 3, 3: 1, 4: 1}
    # Largest cluster first; equal sizes by mean log-prob.
    assert w.view.ranked_indices() == [2, 1, 0, 4, 3]
    assert [w.model.index(row, BEHAVES).data() for row in range(5)] == ["3 candidates"] * 3 + ["1 candidate"] * 2
    # Sorting by the column itself, as a click on its header does, is by cluster size too.
    w.view.sortByColumn(BEHAVES, Qt.SortOrder.AscendingOrder)
    shown = w.view.ranked_indices()
    assert set(shown[:3]) == {0, 1, 2} and set(shown[3:]) == {3, 4}
    w.view.selectRow(0)
    size = w.size()
    w.controls_dock.hide()  # room for the table's columns in the picture
    w.resize(1500, 800)
    assert w.grab().save(str(tmp_path / "workbench.png"))  # drawable; docs/screenshots/ are taken by hand
    w.controls_dock.show()
    w.controls_dock.raise_()  # shown again in front of History, as it was
    w.resize(size)
    w.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)


def test_agreement_without_usable_model_tests_says_why(qtbot, tiny_window):
    """The tiny random model writes no usable asserts: the ranking stays by mean log-prob, said plainly."""
    w = tiny_window
    w.message.clear()
    w.set_ranking("mean_logprob")
    w.controller.show_saved(PROMPT, "", [candidate(i, b) for i, b in enumerate(BODIES)], {}, seed=0, n=len(BODIES))
    next(a for a in w.ranking_group.actions() if a.data() == "agreement").trigger()
    qtbot.waitUntil(lambda: "Agreement ranking is unavailable" in w.message.text(), timeout=60_000)
    wait_idle(qtbot, w)
    assert w.message.kind != "error"
    assert "the model wrote no" in w.message.text() and "tests the model wrote" in w.message.text()
    assert w.model.scores["agreement"] == {}
    assert w.view.ranked_indices() == [4, 3, 2, 1, 0]  # unscored: by mean log-prob
    assert len(w.model.scores["cluster"]) == 5  # the clusters were measured all the same
    w.set_ranking("mean_logprob")
