"""The figure helper (desktop_app.figure_drawer): it draws in a process of its own, at a lower CPU
priority than the window's, and delivers only the latest request's result."""

import os


def test_the_helper_runs_at_a_lower_priority_and_delivers_the_latest_result(qtbot):
    from desktop_app.figure_drawer import HELPER_NICENESS, FigureDrawer

    drawer = FigureDrawer()
    results = []
    drawer.drawn.connect(results.append)
    try:
        drawer.draw(os.nice, 0)  # os.nice(0): the caller's niceness, unchanged
        qtbot.waitUntil(lambda: bool(results), timeout=60_000)
        assert results == [min(19, os.nice(0) + HELPER_NICENESS)]
        results.clear()
        drawer.draw(os.getpid)
        drawer.draw(os.getppid)  # asked before the first came: only this one is delivered
        qtbot.waitUntil(lambda: bool(results), timeout=60_000)
        qtbot.wait(300)
        assert results == [os.getpid()]  # the helper's parent is this process
    finally:
        drawer.shutdown()
