"""From examples' question on the real window (tiny model in the engine process, real sandbox):
a table that several functions fit shows the input they disagree on with one button per answer;
pressing one adds the row and re-tests the same candidates at once, leaving those that agree.
The question, or the sentence saying the right candidates agree, comes back with a saved session,
and a session saved before questions existed still opens."""

import threading

import pytest
from PySide6.QtCore import Qt

from core.host.jobs.examples_job import run, spec_of
from core.host.snapshots import ExamplesSnapshot
from core.modes.examples import NONE_RIGHT, ONE_RIGHT, agreed
from core.sampling.params import SamplingParams
from tests.gui.conftest import run_tab_and_wait  # noqa: F401  (same window fixtures)
from tests.jobs.test_examples_question import ScriptedModel

HEADER = ["x", "expected"]
DESCRIPTION = "Compute a number from x"
NAME = "compute_number"
BODIES = ["    return x * 2\n", "    return x ** 2\n", "    return x + 2\n"]


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def finished_job(pool, bodies, rows) -> dict:
    """The last snapshot of a From-examples job whose model writes `bodies` (real sandbox)."""
    spec = spec_of(HEADER, rows, DESCRIPTION, NAME)
    return list(
        run(
            ScriptedModel(bodies),
            lambda: pool,
            threading.Event(),
            prompt=spec.prompt,
            tests=spec.tests,
            entry_point=NAME,
            header=HEADER,
            rows=rows,
            description=DESCRIPTION,
            params=SamplingParams(n=len(bodies)),
        )
    )[-1]


def document(rows, snapshot) -> dict:
    """A saved session's document; `snapshot` as the session store keeps it (JSON)."""
    saved = snapshot.to_json() if isinstance(snapshot, ExamplesSnapshot) else snapshot
    return {"header": HEADER, "cells": rows, "description": DESCRIPTION, "name": NAME, "snapshot": saved}


@pytest.fixture
def tab(tiny_window):
    tab = tiny_window.job_tabs["examples"]
    tiny_window.tabs.setCurrentWidget(tab)
    yield tab
    tiny_window.message.clear()


def test_answering_the_question_retests_the_same_candidates(qtbot, tiny_window, tab, pool, tmp_path):
    snapshot = finished_job(pool, BODIES, [["2", "4"]])
    tab.restore(document([["2", "4"]], snapshot))  # as History reopens a saved session
    question = snapshot.question
    assert tab.question_box.isVisible()
    assert tab.question_box.label.text().startswith(f"For {NAME}({question.args}), should the answer be ")
    assert "(1 candidate) or" in tab.question_box.label.text()
    labels = [b.text() for b in tab.question_box.buttons]
    assert labels == [a.text for a in question.answers] and len(set(labels)) == 3
    tiny_window.resize(1400, 800)
    assert tab.grab().save(str(tmp_path / "examples.png"))  # drawable; docs/screenshots/ are taken by hand

    doubled = str(2 * int(question.args))
    ended = []
    tiny_window.controller.engine.job_done.connect(lambda: ended.append("done"))
    qtbot.mouseClick(tab.question_box.buttons[labels.index(doubled)], Qt.MouseButton.LeftButton)
    assert tab.table.rows() == [["2", "4"], [question.args, doubled]]
    assert tiny_window.jobs.owner is tab and not tab.question_box.isVisible()
    qtbot.waitUntil(lambda: bool(ended) and tiny_window.jobs.owner is None, timeout=120_000)
    final = tab.snapshot
    assert final.state == "done" and final.examples == 2
    assert sorted(c.completion for c in final.candidates) == sorted(BODIES)  # none generated
    assert [c.completion for c in final.candidates if c.all_right] == ["    return x * 2\n"]
    assert tab.candidates.item(0).text() == "1. 2 of 2 examples right"
    assert f">>> {NAME}({question.args})\n    {doubled}" in tab.prompt_editor.toPlainText()
    # One candidate left: nothing to ask, and none to compare it with.
    assert tab.question_box.label.text() == ONE_RIGHT and tab.question_box.buttons == []
    assert tiny_window.message.kind != "error"


def test_agreement_sentence_and_an_old_session(tab, pool):
    rows = [["2", "4"], ["5", "10"]]
    snapshot = finished_job(pool, ["    return x * 2\n", "    return x + x\n", "    return 0\n"], rows)
    tab.restore(document(rows, snapshot))
    assert tab.question_box.isVisible() and not tab.question_box.buttons
    assert tab.question_box.label.text() == agreed(snapshot.inputs, NAME, None)
    assert tab.question_box.label.text().startswith(
        "The candidates that get every example right also agree on every other"
    )
    assert "3 of 3" not in tab.status.text() and "2 of 3 candidates get all 2 examples right" in tab.status.text()
    # Saved before questions existed: no inputs, question or clusters in it.
    old = {k: v for k, v in snapshot.to_json().items() if k not in ("inputs", "question")}
    old["candidates"] = [{k: v for k, v in c.items() if k != "cluster"} for c in old["candidates"]]
    tab.restore(document(rows, old))
    assert tab.candidates.count() == 3 and not tab.question_box.isVisible()
    # Right on the rows, alike wherever both answer, but one raises where the other answers.
    raises = ["    return x * 2\n", "    if x < 0:\n        raise ValueError(x)\n    return x + x\n"]
    differs = finished_job(pool, raises, rows)
    assert differs.question is None and differs.differs_at is not None
    tab.restore(document(rows, differs))
    assert tab.question_box.label.text().endswith(
        f"but for {NAME}({differs.differs_at}) some of them give an error or no answer."
    )


def test_one_row_that_every_candidate_agrees_on_asks_to_confirm(qtbot, tab, pool):
    rows = [["2", "4"]]
    snapshot = finished_job(pool, ["    return x * 2\n", "    return x + x\n"], rows)
    tab.restore(document(rows, snapshot))
    question = snapshot.question
    assert tab.question_box.isVisible() and [b.text() for b in tab.question_box.buttons] == [question.answers[0].text]
    assert "One example fits many functions" in tab.question_box.label.text()
    assert tab.question_box.label.text().endswith("Press it to add it as an example row, or add the row you mean.")


def test_none_right_offers_the_next_larger_catalogue_model(qtbot, tiny_window, tab, pool):
    from core.models import catalogue
    from core.models import store as model_store

    rows = [["2", "4"], ["5", "10"]]
    snapshot = finished_job(pool, ["    return 0\n", "    return x\n"], rows)
    assert not any(c.all_right for c in snapshot.candidates)
    tab.restore(document(rows, snapshot))
    # The tiny model is a folder: nothing larger to offer, only what to do.
    assert tab.question_box.isVisible() and tab.question_box.label.text() == NONE_RIGHT
    assert tab.question_box.buttons == []
    tab.set_model("default")
    larger = catalogue.entry("qwen2.5-coder-1.5b-instruct")
    installed = model_store.is_installed(model_store.model_dir(larger.name))
    assert tab.question_box.isVisible()
    assert tab.question_box.label.text() == f"{NONE_RIGHT} {catalogue.offer(larger, installed)}"
    [button] = tab.question_box.buttons
    assert button.text() == f"{'Load' if installed else 'Install'} it and run again"
    # Pressed, the window would load (or download) the 1.5B model: here only the request is checked.
    tab.larger_requested.disconnect(tiny_window.run_examples_on)
    try:
        with qtbot.waitSignal(tab.larger_requested, timeout=1000) as pressed:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    finally:
        tab.larger_requested.connect(tiny_window.run_examples_on)
    assert pressed.args == [larger.name]
    tiny_window.resize(1024, 700)
    assert tiny_window.width() == 1024  # the offer fits the smallest window
    tab.set_model(larger.name)  # the largest: nothing to offer
    assert tab.question_box.label.text() == NONE_RIGHT and tab.question_box.buttons == []
    tab.set_model("default")
    tab.restore(document(rows, finished_job(pool, ["    return x * 2\n", "    return 0\n"], rows)))
    # One right: no offer, and no other candidate to compare it with, which is said.
    assert tab.question_box.label.text() == ONE_RIGHT and tab.question_box.buttons == []


def test_the_window_loads_the_model_asked_for_then_runs_from_examples_again(qtbot, tiny_window, tab, tiny_model_dir):
    ended = []
    tiny_window.controller.engine.job_done.connect(lambda: ended.append("done"))
    tab.table.set_table(HEADER, [["2", "4"], ["5", "10"]])
    loaded = []
    tiny_window.controller.engine.loaded.connect(loaded.append)
    tiny_window.run_examples_on(str(tiny_model_dir))  # as the offer's button does, with a model the test can load
    qtbot.waitUntil(lambda: bool(loaded), timeout=120_000)
    assert tiny_window.jobs.owner is tab  # the run started as soon as the model was loaded
    qtbot.waitUntil(lambda: bool(ended) and tiny_window.jobs.owner is None, timeout=180_000)
    assert tab.snapshot is not None and tab.snapshot.state == "done" and tab.snapshot.examples == 2
    assert tab.question_box.model == str(tiny_model_dir)
    tiny_window.controller.engine.loaded.emit(tiny_window.controller.engine.info)  # a later load runs nothing
    assert tiny_window.jobs.owner is None


def test_none_right_names_the_row_every_candidate_misses_alike(qtbot, tiny_window, tab, pool):
    rows = [["2", "4"], ["5", "10"], ["3", "7"]]  # a typo, or a rule no candidate saw
    snapshot = finished_job(pool, ["    return x * 2\n", "    return x + x\n", "    return 0\n"], rows)
    tab.restore(document(rows, snapshot))
    assert tab.question_box.isVisible()
    assert tab.question_box.label.text().startswith(
        "No candidate gets every example right, but 2 get every other example right, and all of them miss row 3"
        " the same way: for 3 it returned 6, expected 7. If that row is right"
    )
    # In the narrow column of a 1024x700 window the text scrolls; none of it is cut off.
    tab.set_model("default")  # and the larger model's offer follows it
    tiny_window.resize(1024, 700)
    qtbot.wait(50)
    label = tab.question_box.label
    assert "A larger model may: Qwen2.5-Coder-1.5B" in label.text()
    assert label.height() >= label.heightForWidth(label.width()) > 0
