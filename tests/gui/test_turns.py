"""desktop_app.turns: one piece of work per turn of the event loop, in the order queued; a key
queued again takes the new work and goes to the back; a dropped key never runs."""

from PySide6.QtCore import QTimer

from desktop_app.turns import Turns


def test_one_piece_per_turn_latest_work_per_key(qtbot, qapp):
    turns = Turns()
    done: list[str] = []
    seen_between: list[list[str]] = []
    # Each event-loop turn also runs this zero-interval timer: it sees how far the queue got.
    probe = QTimer(interval=0)
    probe.timeout.connect(lambda: seen_between.append(list(done)))

    turns.add("a", lambda: done.append("a1"))
    turns.add("b", lambda: done.append("b"))
    turns.add("a", lambda: done.append("a2"))  # replaces a1 and goes after b
    turns.add("c", lambda: done.append("c"))
    turns.drop("c")
    assert turns.waiting("a") and turns.waiting("b") and not turns.waiting("c")
    probe.start()
    qtbot.waitUntil(lambda: len(done) == 2)
    qtbot.wait(50)
    probe.stop()
    assert done == ["b", "a2"]
    assert not turns.waiting("a") and not turns.waiting("b")
    # Never two pieces in one turn: some turn saw exactly the first piece done.
    assert ["b"] in seen_between
